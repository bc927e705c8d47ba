"""Events and their exhibitors: the organizer's domain, at the bottom of the stack."""
