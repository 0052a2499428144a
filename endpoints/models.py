"""Models of the endpoints app (filled by a later issue)."""
