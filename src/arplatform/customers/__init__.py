"""Customers: the buyers a tenant sells to on credit."""
