"""Read JSON lines (plain or gzipped) and JSON files of articles with their metadata."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from index.cleaning import article_from_body
from index.models import Article, Problem
from index.textio import DecodeError, decode_text, looks_binary

_BODY_KEYS = ("body", "text", "content")
_TITLE_KEYS = ("title", "headline")
_OUTLET_KEYS = ("outlet", "publisher", "source", "site_name", "sitename")
_DATE_KEYS = ("published_at", "published", "date", "published_date", "pub_date")
_AUTHOR_KEYS = ("authors", "author", "byline")
_URL_KEYS = ("url", "link")
_GIVE_UP_AFTER = 20


def _first_str(record: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            return " ".join(value["name"].split()) or None
    return None


def parse_day(value: object) -> date | None:
    """Parse "YYYY-MM-DD" (or an ISO timestamp starting with it) into a date, else None."""
    if not isinstance(value, str) or len(value.strip()) < 10:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def byline_from_authors(value: object) -> str | None:
    """Join author names, dropping entries that only concatenate other listed names."""
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if not isinstance(value, list):
        return None
    names = [" ".join(n.split()) for n in value if isinstance(n, str) and n.strip()]
    kept: list[str] = []
    for name in names:
        others = [other for other in names if other != name]
        covered = sum(len(other.split()) for other in others if other in name)
        if (len(others) >= 2 and covered >= len(name.split())) or name in kept:
            continue
        kept.append(name)
    return ", ".join(kept) or None


def record_to_article(record: object, source: str) -> Article:
    """Turn one JSON object with article fields into an Article (ValueError if unusable)."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    body = next((record[k] for k in _BODY_KEYS if isinstance(record.get(k), str)), None)
    if body is None or not body.strip():
        raise ValueError("no article text: the 'body' field is missing or empty")
    outlet = _first_str(record, _OUTLET_KEYS)
    title = _first_str(record, _TITLE_KEYS)
    published = next((parse_day(record.get(k)) for k in _DATE_KEYS if record.get(k)), None)
    byline = next((byline_from_authors(record[k]) for k in _AUTHOR_KEYS if record.get(k)), None)
    return article_from_body(
        body,
        source,
        outlet=outlet,
        title=title,
        published=published,
        byline=byline,
        url=_first_str(record, _URL_KEYS),
        empty_message="no article text left after cleaning the 'body' field",
    )


def _open(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def iter_json_lines(path: Path, source: str, max_bytes: int) -> Iterator[Article | Problem]:
    """Yield an Article per good line and a Problem (with its line number) per bad one."""
    seen_any = loaded_any = False
    bad = 0
    try:
        with _open(path) as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                seen_any = True
                item = _parse_line(raw, number, source, max_bytes)
                loaded_any = loaded_any or isinstance(item, Article)
                bad += isinstance(item, Problem)
                yield item
                if bad >= _GIVE_UP_AFTER and not loaded_any:
                    yield Problem(
                        source=source,
                        message=f"stopped reading after {bad} bad lines and no good one; "
                        "check that this is a JSON lines file of articles",
                    )
                    return
    except (OSError, EOFError, zlib.error) as error:
        yield Problem(
            source=source,
            message=f"could not read the file ({error}); check that it is intact "
            "(a .gz file must be complete gzip data)",
        )
        return
    if not seen_any:
        yield Problem(source=source, message="empty file: no JSON lines to load; remove it")


def _parse_line(raw: bytes, number: int, source: str, max_bytes: int) -> Article | Problem:
    """Parse one JSON line into an Article, or a Problem naming the line."""
    if len(raw) > max_bytes:
        return Problem(
            source=source,
            line=number,
            message=f"line is {len(raw) / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit; "
            "split the article or raise the size limit",
        )
    if looks_binary(raw):
        return Problem(source=source, line=number, message="binary data (NUL bytes), not JSON")
    try:
        record = json.loads(decode_text(raw))
        return record_to_article(record, f"{source}#{number}")
    except DecodeError as error:
        return Problem(source=source, line=number, message=str(error))
    except json.JSONDecodeError as error:
        return Problem(
            source=source,
            line=number,
            message=f"not valid JSON ({error.msg} at column {error.colno}); fix or remove the line",
        )
    except ValueError as error:
        return Problem(source=source, line=number, message=f"{error}; fix or remove the line")


def load_json_document(text: str, source: str) -> Iterator[Article | Problem] | None:
    """Yield articles from a whole-file JSON array or object; None when it is JSON lines."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    records = data if isinstance(data, list) else [data]
    return _records(records, source)


def _records(records: list[object], source: str) -> Iterator[Article | Problem]:
    for number, record in enumerate(records, start=1):
        try:
            yield record_to_article(record, f"{source}#{number}")
        except ValueError as error:
            yield Problem(source=source, line=number, message=f"record {number}: {error}")
