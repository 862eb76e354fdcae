"""Decode bytes from user files: UTF-8 first, a declared charset next, cp1252 only if plausible."""

from __future__ import annotations

import codecs
import re

_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_PROSE = re.compile(r"[^\W\d_]|\s")


class DecodeError(ValueError):
    """Raised when bytes are neither UTF-8 nor plausible text in a fallback encoding."""


# Text decoded with the wrong fallback shows many non-ASCII characters or few letters and spaces:
# English prose has under 5% of the former and over 60% of the latter.
MAX_NON_ASCII_SHARE = 0.05
MIN_PROSE_SHARE = 0.6
# A page declares its charset in its <head>, within the first few kilobytes.
CHARSET_SCAN_BYTES = 4096


def looks_binary(data: bytes) -> bool:
    """Return True when bytes contain NUL bytes, as binary files (and UTF-16 text) do."""
    return b"\x00" in data


def _plausible(text: str) -> bool:
    """Return True when text decoded with a fallback encoding reads like ordinary prose."""
    if not text.strip() or _CONTROL.search(text):
        return False
    non_ascii = len(_NON_ASCII.findall(text))
    letters_or_spaces = len(_PROSE.findall(text))
    return non_ascii <= MAX_NON_ASCII_SHARE * len(text) and letters_or_spaces >= MIN_PROSE_SHARE * len(text)


def declared_charset(data: bytes) -> str | None:
    """Return the charset an HTML page declares in its first few kilobytes, if a known one."""
    match = _CHARSET.search(data[:CHARSET_SCAN_BYTES])
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode bytes as UTF-8 (BOM allowed), else `declared`, else cp1252 when plausible."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start
    if declared and declared not in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    if _plausible(text):
        return text
    raise DecodeError(
        f"not UTF-8 text (undecodable byte at offset {offset}) and not plausible cp1252 text "
        "either; re-save the file as UTF-8"
    )
