"""Security claims of SECURITY.md: loopback, login, what is served, no remote code, audited deps."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from assistant import load_settings
from tests.conftest import ROOT, SEEDS

pytestmark = [
    pytest.mark.filterwarnings("ignore::UserWarning"),
    pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
    pytest.mark.filterwarnings("ignore:The copy keyword"),
]
SECURITY_MD = ROOT / "SECURITY.md"
AUDIT = ROOT / "scripts" / "audit.sh"
IDLIB = "How many military observation posts did Turkey establish in Idlib?"
USER, PASSWORD = "ana", "correct-horse-battery"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class _FakeApp:
    """Stands in for the Gradio app: records how serve() launches it."""

    def __init__(self) -> None:
        self.launched: dict[str, Any] = {}
        self.app = self  # the routes serve() adds land here
        self.routes: list[str] = []
        self.fns: dict[int, Any] = {}  # no API functions: the busy middleware guards none

    def launch(self, **kwargs: Any) -> None:
        self.launched = kwargs

    def add_api_route(self, path: str, endpoint: Any, **kwargs: Any) -> None:
        self.routes.append(path)

    def block_thread(self) -> None:
        return None


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> _FakeApp:
    """Replace the app that serve() builds with a recorder (no server starts, nothing loads)."""
    import ui.app
    import ui.health
    from assistant import WarmUp

    app = _FakeApp()
    monkeypatch.setattr(ui.app, "build_app", lambda settings: app)
    monkeypatch.setattr(ui.health, "warm_up", lambda settings: WarmUp(0.0, settings.llm, None))
    for name in ("ASSISTANT_UI_USERNAME", "ASSISTANT_UI_PASSWORD", "ASSISTANT_LLM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_LLM", "extractive")
    return app


# -- loopback by default ------------------------------------------------------------------------
def test_serve_and_the_chat_command_default_to_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    import inspect

    from assistant.config import Settings
    from ui.app import serve
    from ui.cli import main

    assert inspect.signature(serve).parameters["host"].default == "127.0.0.1"
    with pytest.raises(SystemExit) as exit_info:
        main(["chat", "--help"])
    assert exit_info.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--host HOST" in help_text and "default: loopback" in help_text
    hosts = {name: field.default for name, field in Settings.model_fields.items() if "host" in name}
    assert all(default is None or default in LOOPBACK for default in hosts.values()), hosts


def test_chat_command_binds_loopback_even_if_gradio_env_says_otherwise(
    launched: _FakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ui.cli import main

    monkeypatch.setenv("GRADIO_SERVER_NAME", "0.0.0.0")
    assert main(["--index-dir", str(tmp_path / "index"), "chat"]) == 0
    assert launched.launched["server_name"] == "127.0.0.1"
    assert launched.launched["share"] is False
    assert launched.launched["auth"] is None


def test_wider_bind_without_login_warns(
    launched: _FakeApp, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ui.app import serve

    serve(load_settings(index_dir=tmp_path / "index"), host="0.0.0.0", port=7999)
    assert launched.launched["server_name"] == "0.0.0.0"
    assert "without a login" in capsys.readouterr().err


def test_chat_command_passes_the_login_from_the_environment(
    launched: _FakeApp, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ui.cli import main

    monkeypatch.setenv("ASSISTANT_UI_USERNAME", USER)
    monkeypatch.setenv("ASSISTANT_UI_PASSWORD", PASSWORD)
    assert main(["--index-dir", str(tmp_path / "index"), "chat"]) == 0
    assert launched.launched["auth"] == (USER, PASSWORD)
    assert launched.launched["server_name"] == "127.0.0.1"


# -- optional login -----------------------------------------------------------------------------
@pytest.mark.integration
def test_login_from_the_environment_refuses_requests_without_credentials(
    seed_index: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx
    from gradio_client import Client

    from tests.browser import running
    from ui.app import build_app, login

    monkeypatch.setenv("ASSISTANT_UI_USERNAME", USER)
    monkeypatch.setenv("ASSISTANT_UI_PASSWORD", PASSWORD)
    settings = load_settings(index_dir=seed_index, corpus=[SEEDS], llm="extractive")
    auth = login(settings)
    assert auth == (USER, PASSWORD)
    with running(build_app(settings), auth=auth) as url:
        refused = {
            "config": httpx.get(f"{url}config"),
            "info": httpx.get(f"{url}gradio_api/info"),
            "call /ask": httpx.post(f"{url}gradio_api/call/ask", json={"data": [IDLIB]}),
            "queue": httpx.post(
                f"{url}gradio_api/queue/join", json={"data": [IDLIB], "fn_index": 0, "session_hash": "x"}
            ),
            "upload": httpx.post(f"{url}gradio_api/upload", files={"files": ("a.txt", b"hello")}),
            "file": httpx.get(f"{url}gradio_api/file=/etc/passwd"),
        }
        assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 401)
        with pytest.raises(Exception):  # noqa: B017 - whatever gradio_client raises, it must not connect
            Client(url, verbose=False)
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=(USER, "wrong password"), verbose=False)
        answer = Client(url, auth=(USER, PASSWORD), verbose=False).predict(IDLIB, api_name="/ask")
        assert any(c["outlet"] == "Devdiscourse (PTI)" for c in answer["citations"])


# -- what is served -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def open_app(seed_index: Path) -> Iterator[str]:
    """The app over the seed index with no login, on a free loopback port."""
    from tests.browser import running
    from ui.app import build_app

    settings = load_settings(index_dir=seed_index, corpus=[SEEDS], llm="extractive")
    with running(build_app(settings)) as url:
        yield url


def _forbidden_files(seed_index: Path) -> list[tuple[str, bytes]]:
    """(URL path, a marker of the file's content) for files the app must never serve."""
    from index.store import CATALOG_FILE

    catalog = seed_index / CATALOG_FILE
    chroma = seed_index / "chroma" / "chroma.sqlite3"
    assert catalog.is_file() and chroma.is_file()
    pyproject = ROOT / "pyproject.toml"
    config = ROOT / "assistant" / "config.py"
    return [
        ("gradio_api/file=/etc/passwd", b"root:"),
        ("file=/etc/passwd", b"root:"),
        ("gradio_api/file/etc/passwd", b"root:"),
        ("gradio_api/file=%2Fetc%2Fpasswd", b"root:"),
        ("gradio_api/file=/tmp/gradio/../../etc/passwd", b"root:"),
        ("gradio_api/file=/tmp/gradio/..%2F..%2Fetc/passwd", b"root:"),
        ("static/../../../etc/passwd", b"root:"),
        ("gradio_api/file=/proc/self/environ", b"PATH="),
        ("gradio_api/file=../../pyproject.toml", b"[project]"),
        ("gradio_api/file=..%2F..%2Fpyproject.toml", b"[project]"),
        ("gradio_api/file=pyproject.toml", b"[project]"),
        (f"gradio_api/file={pyproject}", b"[project]"),
        ("assets/../../pyproject.toml", b"[project]"),
        (f"gradio_api/file={config}", b"class Settings"),
        (f"gradio_api/file={catalog}", b"SQLite format 3"),
        (f"file={catalog}", b"SQLite format 3"),
        (f"gradio_api/file={chroma}", b"SQLite format 3"),
    ]


@pytest.mark.integration
def test_no_file_outside_the_app_is_served(open_app: str, seed_index: Path) -> None:
    import httpx

    home = httpx.get(open_app)
    assert home.status_code == 200 and b"<html" in home.content.lower()  # the UI itself is served
    served = []
    for path, marker in _forbidden_files(seed_index):
        response = httpx.get(open_app + path, follow_redirects=False)
        if marker in response.content or response.status_code not in (400, 403, 404):
            served.append(f"{path}: {response.status_code} {response.content[:60]!r}")
    assert not served, "served a file it must not:\n" + "\n".join(served)


@pytest.mark.integration
def test_the_file_route_serves_only_session_files_and_fetches_no_internal_url(open_app: str) -> None:
    import httpx

    uploaded = httpx.post(f"{open_app}gradio_api/upload", files={"files": ("note.txt", b"uploaded text")})
    assert uploaded.status_code == 200
    path = uploaded.json()[0]
    own = httpx.get(f"{open_app}gradio_api/file={path}")  # a control: the route itself works
    assert own.status_code == 200 and own.content == b"uploaded text"
    internal = (
        f"{open_app}config",
        open_app.replace("127.0.0.1", "localhost"),
        "http://169.254.169.254/latest/",
    )
    for target in internal:
        for route in ("gradio_api/file=", "gradio_api/proxy="):
            response = httpx.get(f"{open_app}{route}{target}", follow_redirects=False)
            assert response.status_code in (400, 403, 404), (route, target, response.status_code)
            assert "location" not in response.headers and b'"app_id"' not in response.content


# -- no remote code, patched dependencies -------------------------------------------------------
def test_no_trust_remote_code_in_the_source() -> None:
    pattern = re.compile(r"""trust_remote_code["']?\s*[:=]\s*(True|1|["']?true)""", re.IGNORECASE)
    found = []
    for package in ("assistant", "index", "ui"):
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix not in (".py", ".yaml", ".yml", ".json", ".toml", ".cfg"):
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                if pattern.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "trust_remote_code enabled:\n" + "\n".join(found)


def _documented_minimum(package: str) -> Version:
    """The minimum version SECURITY.md names for a package ('Minimum gradio: `gradio>=X`')."""
    match = re.search(rf"Minimum {package}: `{package}>=([0-9][0-9.]*)`", SECURITY_MD.read_text())
    assert match, f"SECURITY.md names no minimum {package} version"
    return Version(match.group(1))


def test_gradio_is_past_its_published_advisories() -> None:
    minimum = _documented_minimum("gradio")
    assert minimum >= Version("6.22.0")  # the open-redirect/SSRF and auth-boundary fixes
    installed = Version(version("gradio"))
    assert installed >= minimum, f"gradio {installed} is older than {minimum}: upgrade it (SECURITY.md)"


# -- the dependency audit -----------------------------------------------------------------------
def _accepted() -> list[tuple[str, str, str]]:
    """The accepted exceptions as scripts/audit.sh --list prints them: (id, package, reason)."""
    listed = subprocess.run(["bash", str(AUDIT), "--list"], capture_output=True, text=True, check=True)
    rows = [line.split(maxsplit=2) for line in listed.stdout.splitlines() if line.strip()]
    assert all(len(row) == 3 for row in rows), listed.stdout
    return [(row[0], row[1], row[2]) for row in rows]


def test_audit_script_exists_and_lists_its_accepted_exceptions() -> None:
    assert AUDIT.is_file() and os.access(AUDIT, os.X_OK)
    subprocess.run(["bash", "-n", str(AUDIT)], check=True)
    accepted = _accepted()
    assert accepted, "the audit accepts nothing: then remove this check, not the list"
    text = SECURITY_MD.read_text()
    section = text.split("## Accepted audit exceptions", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| ((?:GHSA|PYSEC|CVE)-[\w-]+) \|", section, re.MULTILINE))
    assert {row[0] for row in accepted} == documented, "scripts/audit.sh and SECURITY.md disagree"
    for vuln_id, package, reason in accepted:
        assert re.fullmatch(
            r"(GHSA-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}|PYSEC-\d{4}-\d+|CVE-\d{4}-\d+)", vuln_id
        )
        row = next(line for line in section.splitlines() if line.startswith(f"| {vuln_id} |"))
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        assert package in cells[1] and len(cells[3]) > 40, f"{vuln_id}: no reason written down"
        assert len(reason) > 20
    assert "private network" in text and "ASSISTANT_CHROMA_HOST" in text


_FAKE_PIP_AUDIT = """\
#!{python}
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ARGS"], "w") as handle:
    json.dump(args, handle)
mode = os.environ["FAKE_MODE"]
out = args[args.index("--output") + 1]
ok = {{"name": "gradio", "version": "6.31.0", "vulns": []}}
if mode == "offline":
    sys.stderr.write("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', "
                     "port=443): Max retries exceeded (Failed to resolve 'pypi.org')\\n")
    sys.exit(1)
if mode == "broken":
    sys.stderr.write("pip-audit: error: unrecognized arguments\\n")
    sys.exit(2)
if mode == "not-found":
    why = "Dependency not found on PyPI and could not be audited"
    deps = [{{"name": n, "skip_reason": f"{{why}}: {{n}} (1.0)"}} for n in ("gradio", "chromadb")]
    json.dump({{"dependencies": deps, "fixes": []}}, open(out, "w"))
    sys.exit(0)
if mode == "vulnerable":
    bad = {{"name": "gradio", "version": "6.0.0", "vulns": [
        {{"id": "GHSA-aaaa-bbbb-cccc", "fix_versions": ["6.20.0"], "aliases": ["CVE-2099-1"]}}]}}
    json.dump({{"dependencies": [bad], "fixes": []}}, open(out, "w"))
    sys.stderr.write("Found 1 known vulnerability in 1 package\\n")
    sys.exit(1)
json.dump({{"dependencies": [ok], "fixes": []}}, open(out, "w"))
sys.stderr.write("No known vulnerabilities found, 2 ignored\\n")
"""


@pytest.mark.parametrize(
    ("mode", "status", "says"),
    [
        ("clean", 0, "audit: OK"),
        ("offline", 0, "NOTICE: the advisory database could not be reached"),
        ("not-found", 0, "NOTICE: the advisory database could not be reached"),
        ("vulnerable", 1, "GHSA-aaaa-bbbb-cccc"),
        ("broken", 2, "FAILED"),
    ],
)
def test_audit_passes_offline_but_fails_on_findings_and_errors(
    tmp_path: Path, mode: str, status: int, says: str
) -> None:
    fake = tmp_path / "pip-audit"
    fake.write_text(textwrap.dedent(_FAKE_PIP_AUDIT.format(python=sys.executable)))
    fake.chmod(0o755)
    env = {**os.environ, "PIP_AUDIT": str(fake), "FAKE_MODE": mode, "FAKE_ARGS": str(tmp_path / "args")}
    result = subprocess.run(["bash", str(AUDIT)], capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == status, result.stdout + result.stderr
    assert says in result.stdout + result.stderr
    args = json.loads((tmp_path / "args").read_text())
    ignored = {args[i + 1] for i, arg in enumerate(args) if arg == "--ignore-vuln"}
    assert ignored == {row[0] for row in _accepted()}
