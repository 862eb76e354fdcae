"""Line rules for scraped news pages: page chrome, footers, photo captions, outlet signatures."""

from __future__ import annotations

import re

from index import sitedata
from index.sitedata import OutletSignature

# Format characters (zero-width, bidi controls, soft hyphen): invisible text that can hide
# instructions or break verbatim matching; never part of what a reader sees.
FORMAT_CHARS = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def normalise_line(line: str) -> str:
    """Collapse runs of spaces (non-breaking ones included) and trim the line."""
    if not line.isascii():
        line = FORMAT_CHARS.sub("", line)
    return " ".join(line.split())


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


class _LineRules:
    """Whole-line patterns, run fast: '.*X' patterns search the line's tail or need a keyword."""

    def __init__(self, *patterns: str, needles: tuple[str, ...] = ()) -> None:
        anchored = [p for p in patterns if not p.startswith(".*")]
        floating = [p[2:] for p in patterns if p.startswith(".*")]
        anywhere = [p[:-2] for p in floating if p.endswith(".*")]
        at_end = [p + r"\Z" for p in floating if not p.endswith(".*")]
        self._anchored = _rx(*anchored) if anchored else None
        self._anywhere = _rx(*anywhere) if anywhere else None
        self._at_end = _rx(*at_end) if at_end else None
        self._needles = needles

    def matches(self, line: str) -> bool:
        """Return True when the whole line matches one of the patterns."""
        if self._anchored is not None and self._anchored.fullmatch(line):
            return True
        if self._at_end is not None and self._at_end.search(line[-_TAIL:]):
            return True
        if self._anywhere is None:
            return False
        folded = line.casefold()
        if self._needles and not any(needle in folded for needle in self._needles):
            return False
        return self._anywhere.search(line) is not None


_TAIL = 400


def _phrase_patterns(phrases: tuple[str, ...]) -> list[str]:
    """Patterns for lines that contain a phrase anywhere (each phrase is also a needle)."""
    return [rf".*\b{re.escape(phrase)}\b.*" for phrase in phrases]


# The wording of page furniture is data (index/data/chrome.yaml and outlets.yaml); the shapes of it
# (copyright signs, addresses, breadcrumbs, pipe-separated menus, photo credits) are here.
_FURNITURE = sitedata.furniture()
_CHROME_WORDS = _FURNITURE.labels
_COPYRIGHT = r"(?:©|\(c\)|copyright)\s*(?:copyright\s*)?(?:©\s*)?(?:\d{4}\b.*)?"
_CHROME = _LineRules(
    _COPYRIGHT,
    r"(?:https?://|www\.)\S+",
    r"[\w&' -]{1,30}(?:\s+[/›»>]\s+[\w&' -]{1,30})+",
    r"[^|]{0,30}(?:\s*\|\s*[^|]{0,30}){2,}",
    *_FURNITURE.chrome,
)
_CHROME_PHRASES = _LineRules(*_phrase_patterns(_FURNITURE.phrases), needles=_FURNITURE.phrases)
# Lines after which the rest of the page is footer: prompts, disclaimers, widgets, tag lists.
_FOOTER = _LineRules(
    r"(?:©|\(c\))\s*copyright\b.*",
    r"copyright\s*(?:©\s*)?\d{4}\b.*",
    *_FURNITURE.footer,
)
_FOOTER_PHRASES = _LineRules(*_phrase_patterns(_FURNITURE.footer_phrases), needles=_FURNITURE.footer_phrases)
# Photo captions and credits.
_CREDITS = sitedata.photo_credits()
_AGENCY_CREDIT = "|".join(re.escape(name) for name in (*_CREDITS, "file photo"))
_NAMED_CREDIT = "|".join(rf"\b{re.escape(name)}\b" for name in _CREDITS)
_CAPTION = _LineRules(
    r"(?:©|\(c\))\s*(?!copyright\b)(?!\d{4}\b)\S.*",
    r".*\((?:photos?|photograph|image|picture|file photo|photo credit)\b[^)]*\)\s*\.?",
    r".*\((?:" + _AGENCY_CREDIT + r")\)",
    r".*\[[^\]]{0,120}(?:/|\bvia\b|\bphoto\b|" + _NAMED_CREDIT + r")[^\]]{0,120}\]\s*\.?",
    r".*\b(?:image|photo) credits?\s*:.*",
    r"(?:photo|image|picture|file photo|pictured)\s*:.*",
    r"representative image\b.*",
    r".*(?:" + _NAMED_CREDIT + r") photo\s*/.*",
    needles=("credit", "photo"),
)
# A photo gallery's caption, with its widget's toggle and counter ("... Hide caption 3 of 12").
_GALLERY = _LineRules(r".*\b(?:hide|show) caption\s*\d+\s*(?:of|/)\s*\d+\b.*", needles=("caption",))
_SENTENCE_END = ".!?…"
_NOT_A_HEADLINE_END = ".!?…:;,"
# A headline is short: at most this many words and characters (a line past either is a sentence).
HEADLINE_WORDS = 16
HEADLINE_CHARS = 140
_CLOSERS = "\"'”’»)]"


def unwrap_lines(lines: list[str]) -> list[str]:
    """Join hard-wrapped lines: a line not ending a sentence, then one starting in lower case."""
    result: list[str] = []
    for line in lines:
        if line and line[0].islower() and result and result[-1] and not ends_sentence(result[-1]):
            result[-1] = f"{result[-1]} {line}"
        else:
            result.append(line)
    return result


def is_chrome(line: str) -> bool:
    """Return True when a normalised line is page furniture (menus, prompts, widgets, footers)."""
    if line.casefold().rstrip(" :.") in _CHROME_WORDS:
        return True
    return _CHROME.matches(line) or _CHROME_PHRASES.matches(line)


def is_footer_marker(line: str) -> bool:
    """Return True when a normalised line starts the page footer (everything after it is chrome)."""
    return _FOOTER.matches(line) or _FOOTER_PHRASES.matches(line)


def is_caption(line: str, outlet: str | None = None) -> bool:
    """Return True when a normalised line is a photo caption or credit, not article text."""
    if _CAPTION.matches(line) or is_gallery_caption(line):
        return True
    if not outlet or not line.endswith(outlet):
        return False
    return re.search(rf"\s[-–—]\s*{re.escape(outlet)}$", line) is not None


def is_gallery_caption(line: str) -> bool:
    """Return True when a normalised line is a caption of a photo gallery widget ("N of M")."""
    return _GALLERY.matches(line)


def ends_sentence(line: str) -> bool:
    """Return True when a line ends with sentence punctuation (closing quotes ignored)."""
    stripped = line.rstrip(_CLOSERS + " ")
    return bool(stripped) and stripped[-1] in _SENTENCE_END


def word_count(line: str) -> int:
    """Return the number of words (tokens with a letter or digit) in a line."""
    return sum(1 for token in line.split() if any(ch.isalnum() for ch in token))


def is_headline_like(line: str, max_words: int = HEADLINE_WORDS) -> bool:
    """Return True for short title-like lines: no final punctuation, at most `max_words` words."""
    stripped = line.rstrip(_CLOSERS + " ")
    if not stripped or stripped[-1] in _NOT_A_HEADLINE_END or len(line) > HEADLINE_CHARS:
        return False
    first = line.lstrip("\"'“‘«(")[:1]
    return bool(first) and (first.isupper() or first.isdigit()) and word_count(line) <= max_words


def mostly_foreign_script(line: str) -> bool:
    """Return True when most letters of a line are outside the Latin script."""
    if line.isascii():
        return False
    letters = [ch for ch in line if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if ch < "\u0250" or "\u1e00" <= ch <= "\u1eff")
    return latin < len(letters) / 2


# Outlet fingerprints and wire agencies are data: index/data/outlets.yaml.
OUTLET_SIGNATURES: tuple[OutletSignature, ...] = sitedata.outlet_signatures()
_SIGNATURE_SPAN = 30_000
# Wire services whose credit on another outlet's page marks syndicated copy.
AGENCIES: dict[str, str] = sitedata.agencies()


def detect_outlet(text: str) -> OutletSignature | None:
    """Return the first outlet whose fingerprint occurs in the page's head or tail."""
    if len(text) > 2 * _SIGNATURE_SPAN:
        text = f"{text[:_SIGNATURE_SPAN]}\n{text[-_SIGNATURE_SPAN:]}"
    for signature in OUTLET_SIGNATURES:
        if any(re.search(p, text, re.MULTILINE) for p in signature.patterns):
            return signature
    return None
