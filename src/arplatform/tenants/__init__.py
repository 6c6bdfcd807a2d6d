"""Tenants: one supplier company each."""
