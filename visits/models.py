"""Models of the visits app (filled by a later issue)."""
