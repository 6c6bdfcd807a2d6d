"""API contract tests: schemathesis, the cross-tenant matrix, the committed OpenAPI document."""
