"""Payments, credit notes and their allocations to invoice instalments."""
