"""News features: outlets compared, disagreements, coverage over time, speakers, a passage's source."""
