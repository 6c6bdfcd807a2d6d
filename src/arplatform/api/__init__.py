"""The conventions every endpoint follows: problems, operations, paging, idempotency, ETags."""
