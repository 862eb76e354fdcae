"""`python -m ui` runs the full news-assistant command (chat included)."""

from ui.cli import main

raise SystemExit(main())
