"""Evidence scoring: spaCy signals, features, and the models fitted on the dev set."""
