"""Job runners of the allocation app (being written)."""
