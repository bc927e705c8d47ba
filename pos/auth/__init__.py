"""Users, roles, sign-in (pages and API tokens), PIN switching, permissions and the audit log."""
