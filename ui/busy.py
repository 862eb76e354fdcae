"""HTTP 503 with Retry-After for the /ask API while the assistant is full, before anything queues.

Programs calling /ask or /ask_stream (REST `/gradio_api/call/...` or a client's `queue/join`) are
answered at the HTTP level when the admission says busy, so they can back off by the Retry-After
header; the chat itself shows the same message in the conversation (ChatHandlers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from assistant import Admission, Busy, Settings, get_admission

API_NAMES = ("ask", "ask_stream")
_CALL = re.compile(rf"^/gradio_api/call/(?:v2/)?(?:{'|'.join(API_NAMES)})/?$")
_JOIN = "/gradio_api/queue/join"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BusyMiddleware:
    """Refuse /ask API calls with 503 + Retry-After while the admission says busy (pure ASGI)."""

    def __init__(self, app: Any, room: Callable[[], Admission], api_fns: frozenset[int]) -> None:
        self.app = app
        self.room = room
        self.api_fns = api_fns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through, except an API ask that arrives while the room is full."""
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if _CALL.match(path):
            if not await self._refused(send):
                await self.app(scope, receive, send)
            return
        if path != _JOIN:
            await self.app(scope, receive, send)
            return
        body, replay = await _read_body(receive)
        if self._is_api_ask(body) and await self._refused(send):
            return
        await self.app(scope, replay, send)

    def _is_api_ask(self, body: bytes) -> bool:
        """True when a queue/join body calls one of the API functions."""
        try:
            fn_index = json.loads(body or b"{}").get("fn_index")
        except (ValueError, AttributeError):
            return False
        return fn_index in self.api_fns

    async def _refused(self, send: Send) -> bool:
        """Send 503 + Retry-After when the room is full; True when it did."""
        try:
            self.room().check()
        except Busy as busy:
            payload = json.dumps({"detail": str(busy), "retry_after_s": busy.retry_after_s}).encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"retry-after", str(busy.retry_after_s).encode()),
                (b"content-length", str(len(payload)).encode()),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": payload})
            return True
        return False


async def _read_body(receive: Receive) -> tuple[bytes, Receive]:
    """The whole request body, and a receive callable that hands it on unchanged."""
    messages = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return body, replay


def busy_middleware(app: gr.Blocks, settings: Settings) -> list[Middleware]:
    """The middleware list for launch(app_kwargs={"middleware": ...}) of the chat app."""
    api_fns = frozenset(fid for fid, fn in app.fns.items() if fn.api_name in API_NAMES)
    return [Middleware(BusyMiddleware, room=lambda: get_admission(settings), api_fns=api_fns)]
