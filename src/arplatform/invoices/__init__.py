"""Invoices: what customers owe."""
