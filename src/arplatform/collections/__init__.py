"""Collections: disputes, promises to pay, payment plans and the daily ledger events."""
