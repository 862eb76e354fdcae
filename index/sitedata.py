"""Load the package data that describes news sites in general (index/data/*.yaml, *.txt)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

_PACKAGE = "index.data"


@dataclass(frozen=True)
class OutletSignature:
    """Text fingerprints that identify the outlet a scraped page comes from."""

    name: str
    patterns: tuple[str, ...]
    dayfirst: bool = True


@dataclass(frozen=True)
class Furniture:
    """Wording of page furniture: whole-line labels, line patterns and phrases (see chrome.yaml)."""

    labels: frozenset[str]
    chrome: tuple[str, ...]
    footer: tuple[str, ...]
    phrases: tuple[str, ...]
    footer_phrases: tuple[str, ...]


def _read(name: str) -> str:
    return resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _yaml(name: str) -> dict[str, Any]:
    data = yaml.safe_load(_read(name))
    if not isinstance(data, dict):
        raise ValueError(f"index/data/{name}: expected a mapping at the top level")
    return data


def _strings(value: object, where: str) -> tuple[str, ...]:
    """The list of strings at a key (empty when absent), checked."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise ValueError(f"index/data/{where}: expected a list of strings")
    return tuple(str(v) for v in value)


def _checked(patterns: tuple[str, ...], where: str) -> tuple[str, ...]:
    """Compile each pattern once so a bad regular expression fails at start, naming its file."""
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as error:
            raise ValueError(f"index/data/{where}: bad regular expression {pattern!r}: {error}") from error
    return patterns


@cache
def outlet_entries() -> tuple[dict[str, Any], ...]:
    """The outlet entries of outlets.yaml, as written."""
    entries = _yaml("outlets.yaml").get("outlets") or []
    if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("name") for e in entries):
        raise ValueError("index/data/outlets.yaml: 'outlets' must be a list of entries with a name")
    return tuple(entries)


@cache
def outlet_signatures() -> tuple[OutletSignature, ...]:
    """The outlet fingerprints of outlets.yaml, in the file's order (the first match wins)."""
    return tuple(
        OutletSignature(
            name=str(entry["name"]),
            patterns=_checked(_strings(entry.get("signatures"), "outlets.yaml"), "outlets.yaml"),
            dayfirst=bool(entry.get("dayfirst", True)),
        )
        for entry in outlet_entries()
    )


@cache
def agencies() -> dict[str, str]:
    """Wire services whose credit marks syndicated copy: case-folded credit -> display name."""
    found = _yaml("outlets.yaml").get("agencies") or {}
    if not isinstance(found, dict):
        raise ValueError("index/data/outlets.yaml: 'agencies' must map a credit to a display name")
    return {str(k).casefold(): str(v) for k, v in found.items()}


@cache
def photo_credits() -> tuple[str, ...]:
    """Names that credit a photo in a caption, case-folded."""
    names = _strings(_yaml("outlets.yaml").get("photo_credits"), "outlets.yaml")
    return tuple(name.casefold() for name in names)


@cache
def furniture() -> Furniture:
    """The wording of page furniture: chrome.yaml together with the outlets' own lines."""
    general = _yaml("chrome.yaml")
    sections: list[tuple[dict[str, Any], str]] = [(general, "chrome.yaml")]
    sections += [(entry, "outlets.yaml") for entry in outlet_entries()]

    def gather(key: str) -> tuple[str, ...]:
        items: list[str] = []
        for section, where in sections:
            items += [i for i in _strings(section.get(key), where) if i not in items]
        return tuple(items)

    where = "chrome.yaml or outlets.yaml"
    return Furniture(
        labels=frozenset(label.casefold() for label in gather("labels")),
        chrome=_checked(gather("chrome"), where),
        footer=_checked(gather("footer"), where),
        phrases=tuple(p.casefold() for p in gather("phrases")),
        footer_phrases=tuple(p.casefold() for p in gather("footer_phrases")),
    )


@cache
def stopwords() -> frozenset[str]:
    """General English stop words (stopwords_en.txt), case-folded."""
    lines = (line.strip() for line in _read("stopwords_en.txt").splitlines())
    return frozenset(line.casefold() for line in lines if line and not line.startswith("#"))


def outlet_names() -> tuple[str, ...]:
    """Every outlet, agency and photo-credit name the data files know (for scans and tests)."""
    names = [s.name for s in outlet_signatures()] + list(agencies().values()) + list(photo_credits())
    return tuple(dict.fromkeys(names))
