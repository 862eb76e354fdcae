"""Readiness of the chat server: loading until every model a question needs is in, then ready."""

from __future__ import annotations

import threading
import time
from typing import Any

from assistant import Settings, WarmUp, load_generator, warm_up

HEALTH_PATH = "/health"


class Readiness:
    """The server's state for /health: 'loading' while warming up, then 'ready' with what loaded."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.started = time.monotonic()
        self.warm: WarmUp | None = None
        self._summaries_problem: str | None = None
        self._lock = threading.Lock()

    def warm_up(self) -> WarmUp:
        """Load the index and the models (blocking), then report ready."""
        warm = warm_up(self.settings)
        with self._lock:
            self.warm = warm
            self._summaries_problem = warm.summaries_problem
        return warm

    def summaries(self) -> str:
        """'ready' when the generator's model is loaded, else why not (checked again each time)."""
        with self._lock:
            if self._summaries_problem is not None:
                self._summaries_problem = load_generator(self.settings)
            problem = self._summaries_problem
        return "ready" if problem is None else f"not available yet: {problem}"

    def report(self) -> dict[str, Any]:
        """The JSON /health answers: status, seconds loading took (or so far), the generator's state."""
        warm = self.warm
        if warm is None:
            return {"status": "loading", "loading_for_s": round(time.monotonic() - self.started, 1)}
        return {
            "status": "ready",
            "loaded_in_s": warm.seconds,
            "generator": warm.generator,
            "summaries": self.summaries() if warm.generator != "extractive" else "not used",
        }


def add_health_route(app: Any, readiness: Readiness) -> None:
    """Serve readiness.report() as JSON at /health on a launched Gradio app (no login needed)."""
    app.app.add_api_route(HEALTH_PATH, readiness.report, methods=["GET"])
