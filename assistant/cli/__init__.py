"""The news-assistant command line: `main.py` parses, each command module runs its command."""
