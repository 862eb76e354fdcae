"""`python -m assistant` runs the news-assistant command without `chat` (that is `python -m ui`)."""

from assistant.cli.main import main

raise SystemExit(main())
