"""Receivables reports (aging, DSO, overdue ratio, top debtors) and the customer statement."""
