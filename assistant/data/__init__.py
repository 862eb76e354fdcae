"""Package data describing news in general (not any one corpus)."""
