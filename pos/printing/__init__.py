"""Printing receipts on the booth's LAN printers (ESC/POS over TCP port 9100)."""
