"""Seeded synthetic receivables history in the import record format (tests, demo, benchmarks)."""

from arplatform.synthetic.customers import Profile, SyntheticCustomer, plan_customers
from arplatform.synthetic.generator import Record, amount_formatter, generate, period

__all__ = [
    "Profile",
    "Record",
    "SyntheticCustomer",
    "amount_formatter",
    "generate",
    "period",
    "plan_customers",
]
