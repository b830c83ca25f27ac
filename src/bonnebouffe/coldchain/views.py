"""Views of coldchain (being written)."""
