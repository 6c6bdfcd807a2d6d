"""Integrations: a tenant's configured providers (bureaus, channels, insurers…)."""
