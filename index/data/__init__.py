"""Package data describing news sites in general: outlets, agencies, page furniture, stopwords."""
