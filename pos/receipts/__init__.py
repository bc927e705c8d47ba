"""Printed documents: receipts (80 mm, 58 mm, A4), refund notes, price tags, and the
buyer's public receipt link."""
