"""Finding the passages: the standalone question (rewrite), its time frame, and hybrid retrieval."""
