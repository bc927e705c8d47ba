"""What selling announces to the domains above it (receipts), which subscribe when the
app is built: sales never import them."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent after a new sale is committed (never for a replayed answer), with
# sale_id, buyer_email, url_root (the checked base of links: pos/links.py; "" when
# there is neither a buyer's email nor an auto-print printer to use it) and
# auto_print (a printer of the booth prints every sale's receipt: the booth's selling
# facts say so, with no query of their own). Receivers take **details: more may come.
sale_recorded = _signals.signal("sale-recorded")
