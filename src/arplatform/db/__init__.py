"""Database: engine, unit of work, tenant scoping, column types, base model."""
