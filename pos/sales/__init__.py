"""Selling: sales, payments, voids, refunds, shifts, receipt numbers and idempotency."""
