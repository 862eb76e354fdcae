"""The /ask endpoint for programs, called with gradio_client over the real seed index."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Answer, load_settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword"),
]
ROOT = Path(__file__).resolve().parents[1]
IDLIB = "How many military observation posts did Turkey establish in Idlib?"


@pytest.fixture(scope="module")
def url(seed_index: Path) -> Iterator[str]:
    """The app over the seed index, served on a free loopback port."""
    from tests.browser import running
    from ui.app import build_app

    settings = load_settings(index_dir=seed_index, corpus=[ROOT / "seeds"], llm="extractive")
    with running(build_app(settings)) as address:
        yield address


def test_ask_returns_the_answer_as_json(url: str) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    result = client.predict(IDLIB, api_name="/ask")
    answer = Answer.model_validate(result)
    assert not answer.refused and answer.generator == "extractive"
    assert "12" in answer.text and "[1]" in answer.text
    first = result["citations"][0]
    assert first["outlet"] == "Devdiscourse (PTI)" and first["published"] == "2020-03-02"
    assert first["quote"] and first["source"].endswith(".txt")
    assert first["end"] > first["start"] >= 0


def test_ask_with_filters_and_a_decline(url: str) -> None:
    from gradio_client import Client

    client = Client(url, verbose=False)
    filtered = client.predict(IDLIB, "extractive", ["TASS"], "", "", 5, api_name="/ask")
    assert all(c["outlet"] == "TASS" for c in filtered["citations"])
    declined = client.predict("What is the capital of Australia?", api_name="/ask")
    assert declined["refused"] is True and declined["citations"] == []
    assert declined["closest"]


def test_ask_errors_come_back_as_messages(url: str) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    client = Client(url, verbose=False)
    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(AppError, match="is not a date"):
        client.predict(IDLIB, "", None, "March 2020", "", 0, api_name="/ask")


def test_queue_limits_come_from_the_settings(seed_index: Path) -> None:
    from ui.app import build_app

    settings = load_settings(index_dir=seed_index, llm="extractive", ui_concurrency=3, ui_max_queue=7)
    queue = build_app(settings)._queue
    assert queue.max_size == 7 and queue.default_concurrency_limit == 3


def test_login_needs_both_username_and_password(tmp_path: Path) -> None:
    from assistant import ConfigError
    from ui.app import login

    assert login(load_settings(index_dir=tmp_path)) is None
    both = load_settings(index_dir=tmp_path, ui_username="ana", ui_password="s3cret")
    assert login(both) == ("ana", "s3cret")
    with pytest.raises(ConfigError, match="ASSISTANT_UI_PASSWORD"):
        load_settings(index_dir=tmp_path, ui_username="ana")  # Settings owns the rule
    unchecked = load_settings(index_dir=tmp_path).model_copy(update={"ui_username": "ana"})
    with pytest.raises(ConfigError, match="ASSISTANT_UI_PASSWORD"):
        login(unchecked)


def test_login_is_enforced(seed_index: Path) -> None:
    import httpx

    from tests.browser import running
    from ui.app import build_app, login

    settings = load_settings(index_dir=seed_index, llm="extractive", ui_username="ana", ui_password="s3cret")
    with running(build_app(settings), auth=login(settings)) as address:
        assert httpx.get(f"{address}config").status_code == 401
        bad = httpx.post(f"{address}login", data={"username": "ana", "password": "wrong"})
        assert bad.status_code == 400
        with httpx.Client() as client:
            good = client.post(f"{address}login", data={"username": "ana", "password": "s3cret"})
            assert good.status_code == 200
            assert client.get(f"{address}config").status_code == 200


def test_the_chat_server_caps_malloc_arenas_on_linux() -> None:
    import sys

    from ui.memory import limit_malloc_arenas

    assert limit_malloc_arenas() is sys.platform.startswith("linux")


def test_a_full_room_gets_503_and_retry_after_within_a_second(seed_index: Path) -> None:
    import httpx
    from gradio_client import Client
    from gradio_client.utils import QueueError

    from assistant import Admission, get_engine
    from tests.browser import running
    from ui.app import build_app
    from ui.busy import busy_middleware

    settings = load_settings(index_dir=seed_index, corpus=[ROOT / "seeds"], llm="extractive")
    app = build_app(settings)
    engine = get_engine(settings)
    now = [0.0]
    engine.admission = Admission(bound_s=2.0, clock=lambda: now[0])
    ticket = engine.admission.admit()
    now[0] += 3.0  # the last ask took 3 s of the machine
    ticket.finish()
    engine.admission.admit()  # and one is in flight: the next would take 6 s
    with running(app, app_kwargs={"middleware": busy_middleware(app, settings)}) as url:
        began = time.perf_counter()
        response = httpx.post(f"{url}gradio_api/call/ask", json={"data": [IDLIB]}, timeout=10)
        assert time.perf_counter() - began < 1.0
        assert response.status_code == 503 and response.headers["retry-after"] == "4"
        assert "busy answering other questions" in response.json()["detail"]
        client = Client(url, verbose=False)
        began = time.perf_counter()
        with pytest.raises(QueueError):
            client.predict(IDLIB, api_name="/ask")
        assert time.perf_counter() - began < 1.0
        engine.admission = Admission(bound_s=2.0)  # the room empties
        assert client.predict(IDLIB, api_name="/ask")["citations"]
