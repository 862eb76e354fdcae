"""Load articles from files and folders of mixed formats into a LoadReport, never raising."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from index.cleaning import NotAnArticleError, clean_scraped_text
from index.html_loader import load_html
from index.jsonl_loader import iter_json_lines, load_json_document
from index.models import Article, LoadReport, Problem
from index.textio import DecodeError, declared_charset, decode_text, looks_binary

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = (".txt",)
HTML_SUFFIXES = (".html", ".htm")
JSON_LINES_SUFFIXES = (".jsonl", ".jsonl.gz", ".json.gz")
JSON_SUFFIXES = (".json",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + HTML_SUFFIXES + JSON_LINES_SUFFIXES + JSON_SUFFIXES


def source_name(path: Path, root: Path | None = None) -> str:
    """Return the path relative to root (default: the working directory), '../shared/x.jsonl' for a
    folder beside it, else the path as given."""
    base = (root or Path.cwd()).resolve()
    resolved = path.resolve()
    if resolved.is_relative_to(base):
        return resolved.relative_to(base).as_posix()
    if resolved.is_relative_to(base.parent) and base.parent != base:
        return "../" + resolved.relative_to(base.parent).as_posix()
    return str(path)


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    if path.suffix.lower() == ".gz":
        return "".join(path.suffixes[-2:]).lower()
    return path.suffix.lower()


def _expand(paths: Sequence[Path | str], report: LoadReport, root: Path | None) -> list[Path]:
    """List the files under the given paths (folders recursively, hidden entries skipped)."""
    files: list[Path] = []
    seen: set[Path] = set()
    for given in map(Path, paths):
        if given.is_dir():
            found = sorted(
                (p for p in given.rglob("*") if p.is_file()),
                key=lambda p: p.relative_to(given).as_posix(),
            )
            found = [p for p in found if not any(part.startswith(".") for part in p.relative_to(given).parts)]
        elif given.is_file():
            found = [given]
        else:
            report.problems.append(
                Problem(
                    source=source_name(given, root),
                    message="no such file or folder; check the path",
                )
            )
            continue
        for path in found:
            if path.resolve() not in seen:
                seen.add(path.resolve())
                files.append(path)
    return files


def _read_document(path: Path, source: str, max_bytes: int) -> str | Problem:
    """Read a whole text file, or return the Problem that stops it from loading."""
    size = path.stat().st_size
    if size == 0:
        return Problem(source=source, message="empty file: nothing to load; remove it")
    if size > max_bytes:
        return Problem(
            source=source,
            message=f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:g} MB limit; "
            "split it into smaller files or raise the size limit",
        )
    data = path.read_bytes()
    if looks_binary(data):
        return Problem(
            source=source,
            message="binary file (it contains NUL bytes), not text; if it is UTF-16 text, "
            "re-save it as UTF-8, otherwise leave it out",
        )
    declared = declared_charset(data) if _suffix(path) in HTML_SUFFIXES else None
    try:
        text = decode_text(data, declared)
    except DecodeError as error:
        return Problem(source=source, message=str(error))
    if not text.strip():
        return Problem(source=source, message="empty file (only whitespace); remove it")
    return text


def _load_file(path: Path, source: str, max_bytes: int) -> Iterator[Article | Problem]:
    """Yield the articles of one file and the problems met reading it."""
    suffix = _suffix(path)
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "(no extension)"
        yield Problem(
            source=source,
            message=f"unsupported file type {shown}: the loader reads "
            f"{', '.join(SUPPORTED_SUFFIXES)}; convert it to one of these or leave it out",
        )
        return
    if suffix in JSON_LINES_SUFFIXES:
        yield from iter_json_lines(path, source, max_bytes)
        return
    text = _read_document(path, source, max_bytes)
    if isinstance(text, Problem):
        yield text
        return
    if suffix in JSON_SUFFIXES:
        records = load_json_document(text, source)
        yield from records if records is not None else iter_json_lines(path, source, max_bytes)
        return
    try:
        if suffix in HTML_SUFFIXES:
            yield load_html(text, source)
        else:
            yield clean_scraped_text(text, source)
    except NotAnArticleError as error:
        yield Problem(source=source, message=str(error).removeprefix(f"{source}: "))


def load_paths(
    paths: Sequence[Path | str],
    root: Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadReport:
    """Load every supported file under paths; problems and duplicates go into the report."""
    report = LoadReport()
    first_source: dict[str, str] = {}
    for path in _expand(paths, report, root):
        source = source_name(path, root)
        try:
            for item in _load_file(path, source, max_bytes):
                if isinstance(item, Problem):
                    report.problems.append(item)
                elif item.id in first_source:
                    report.duplicates.append(duplicate_problem(item, first_source[item.id]))
                else:
                    first_source[item.id] = item.source
                    report.articles.append(item)
        except OSError as error:
            report.problems.append(
                Problem(source=source, message=f"could not read the file ({error}); check it")
            )
        except Exception as error:  # a loader bug must not stop the other files
            report.problems.append(
                Problem(
                    source=source,
                    message=f"could not load the file ({type(error).__name__}: {error}); "
                    "please report this with the file attached",
                )
            )
    return report


def duplicate_problem(article: Article, first: str) -> Problem:
    """Describe an article whose cleaned text is the same as one already loaded from `first`."""
    file_part, _, line = article.source.partition("#")
    return Problem(
        source=file_part,
        line=int(line) if line.isdigit() else None,
        message=f"same article as {first} (identical text after cleaning); loaded once",
    )
