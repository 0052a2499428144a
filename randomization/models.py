"""Models of the randomization app (filled by a later issue)."""
