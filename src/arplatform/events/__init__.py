"""Domain events: what happened to a tenant's resources, in a stable catalogue."""
