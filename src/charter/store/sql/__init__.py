"""store/sql."""
