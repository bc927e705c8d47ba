"""Tables of the public catalogue.

The catalogue's settings live on the tables they describe (organizer/models.py:
``Event.slug``, ``catalogue_public``, ``catalogue_days_after``, ``opening_hours``;
``Exhibitor``'s public profile and ``catalogue_published``; inventory/models.py:
``Product.public``). Its search index is kept by each database engine itself (see
pos/catalogue/search.py and migration c7a1e5d3f208), so no model describes it.
"""

from __future__ import annotations
