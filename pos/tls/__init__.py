"""HTTPS on the venue LAN: the app's own certificate authority and server certificate,
the CA download and the page that sets a tablet up to trust it."""
