"""The fair's public catalogue: /e/<slug>, /e/<slug>/<booth> and the public product
search, for buyers without an account; the booths' public profiles and the organizer's
switches."""
