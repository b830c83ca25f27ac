"""Views of rescue (being written)."""
