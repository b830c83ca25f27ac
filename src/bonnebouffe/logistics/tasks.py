"""Job runners of the logistics app (being written)."""
