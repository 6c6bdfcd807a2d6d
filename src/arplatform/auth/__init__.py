"""Authentication (client credentials → JWT) and role-based authorisation."""
