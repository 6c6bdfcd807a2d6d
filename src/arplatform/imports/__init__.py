"""Bulk import of customers, invoices, payments and credit notes."""
