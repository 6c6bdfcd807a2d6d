"""Background work: the transactional outbox, its relay to dramatiq, actors, the scheduler."""
