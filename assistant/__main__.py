"""`python -m assistant` runs the news-assistant command."""

from assistant.cli import main

raise SystemExit(main())
