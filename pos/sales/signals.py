"""What selling announces to the domains above it (receipts), which subscribe when the
app is built: sales never import them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent after a new sale is committed (never for a replayed answer), with
# sale_id, buyer_email and url_root (the checked base of links: pos/links.py).
sale_recorded = _signals.signal("sale-recorded")
