"""The fair's public catalogue."""
