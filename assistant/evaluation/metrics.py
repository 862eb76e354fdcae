"""Scoring one answer against its gold question, and the metrics over a set of questions.

Metric definitions (a question is *answerable* unless its gold record says `answerable: false`;
an answer is *declined* when `answer.refused` is true):

- answer accuracy: over answerable questions: not declined AND every `must_contain` regex matches
  answer.text (re.IGNORECASE) AND no `must_not_contain` regex (a quiz's wrong choices) matches it
  AND every expected `outlets` entry is credited by at least one citation (outlets compared
  case-insensitively).
- prose accuracy: the same test applied to answer.prose, the generated text alone before the
  verified quotes are appended (for the extractive generator the prose is the quotes).
- lead accuracy: the same test applied to answer.lead(), the line that opens the answer alone (the
  verified lead built from the quotes, or a model's verified prose).
- direct leads: over answered questions: the answer opens with a direct lead (a verified span or
  reported clause, or a model's verified prose), not a list of sources, and carries no note.
- retrieval recall@k: over answerable questions with gold `articles`: a gold article appears in
  answer.retrieved (k = len(answer.retrieved)). MRR: the mean of 1/rank of the first gold article
  in answer.retrieved (0 when absent), over the same questions.
- citation precision: over every citation of every non-declined answer (must-decline questions that
  were answered included): the quote is verbatim in the cited article (article.text[start:end] ==
  quote, or the quote is a substring after normalising whitespace and quote marks) AND supporting
  (the cited article is one of the gold `articles`, or the quote matches a `must_contain` pattern).
- outlet accuracy: over non-declined answers with citations: every citation's outlet equals the
  outlet of the article it was taken from AND (answerable questions) every expected outlet is
  credited by a citation.
- decline precision / recall: positives are the must-decline questions; recall = declined
  positives / positives; precision = declined positives / all declined answers.
- false-decline rate: declined answerable questions / answerable questions.
- follow-up accuracy: answer accuracy over the answerable questions that have a `history`.
- speaker accuracy: over the citations of answered questions with an `expect_speaker`, those whose
  quote matches a `must_contain` pattern (the answering quotes): citation.speaker matches the
  expected speaker (a regex, case-insensitive). A missing speaker counts as wrong.
- decline-reason accuracy: over questions with an `expect_decline_reason`: declined with that reason.
- source accuracy: over the questions of category `source` (a pasted passage asking where it comes
  from): the question passed (its article and outlet credited, or a passage the articles do not
  hold declined).
- latency p50 / p95: wall time of each ask() call in milliseconds (linear interpolation).

Gold `articles` entries match an article by file name (the basename of its `source`, without any
'#line' suffix; an entry with '#' must match basename and suffix), by URL or by article id, so any
corpus works. A question *passes* when its outcome is right (answered correctly, or declined when it
must be) and all its citations are precise and correctly credited; retrieval is reported apart.
A question whose ask() raised counts as answered with no citations (never as a decline).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date

from pydantic import BaseModel, Field

from assistant.evaluation.questions import GoldQuestion
from assistant.text import contains_verbatim
from assistant.types import Answer, Citation
from index.models import Article

SOURCE_CATEGORY = "source"  # the gold category of where-is-this-from questions
ArticleLookup = Callable[[str], Article | None]

# (key, label, higher is better); the order of the summary tables.
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("answer_accuracy", "answer accuracy", True),
    ("prose_accuracy", "prose accuracy (generated text alone)", True),
    ("lead_accuracy", "lead accuracy (the opening line alone)", True),
    ("direct_lead_rate", "answers opening with a direct lead", True),
    ("retrieval_recall", "retrieval recall@k", True),
    ("mrr", "MRR of the gold article", True),
    ("citation_precision", "citation precision", True),
    ("citation_verbatim", "  quotes verbatim", True),
    ("citation_supporting", "  quotes supporting", True),
    ("outlet_accuracy", "outlet accuracy", True),
    ("decline_precision", "decline precision", True),
    ("decline_recall", "decline recall", True),
    ("false_decline_rate", "false declines", False),
    ("followup_accuracy", "follow-up accuracy", True),
    ("speaker_accuracy", "speaker accuracy (who said each quote)", True),
    ("decline_reason_accuracy", "decline reason accuracy", True),
    ("pass_rate", "questions passed", True),
    ("source_accuracy", "source questions passed", True),
    ("latency_p50_ms", "latency p50 (ms)", False),
    ("latency_p95_ms", "latency p95 (ms)", False),
)
LABELS = {key: label.strip() for key, label, _ in METRICS}
HIGHER_IS_BETTER = {key: higher for key, _, higher in METRICS}


class CitationCheck(BaseModel):
    """One citation of an answer with the result of each check on it."""

    number: int
    outlet: str | None
    published: date | None
    quote: str
    source: str
    article_id: str
    article_outlet: str | None = None
    verbatim: bool
    supporting: bool
    outlet_correct: bool
    speaker: str | None = None
    speaker_correct: bool | None = Field(default=None, description="None: the speaker is not judged")

    @property
    def precise(self) -> bool:
        """Verbatim and supporting: what citation precision counts."""
        return self.verbatim and self.supporting


class QuestionResult(BaseModel):
    """A gold question, the answer it got, and pass/fail per metric (None: not applicable)."""

    id: str
    category: str
    question: str
    searched: str = Field(description="the standalone question actually searched (answer.question)")
    answerable: bool
    follow_up: bool
    refused: bool
    text: str
    generator: str
    fallback: bool = False
    note: str | None = Field(default=None, description="the answer's note (why it fell back, ...)")
    error: str | None = None
    citations: list[CitationCheck] = Field(default_factory=list)
    retrieved: list[str] = Field(default_factory=list, description="sources, in rank order")
    gold_rank: int | None = None
    missing_patterns: list[str] = Field(default_factory=list)
    wrong_patterns: list[str] = Field(default_factory=list, description="must_not_contain that matched")
    missing_outlets: list[str] = Field(default_factory=list)
    decline_reason: str | None = None
    decline_reason_correct: bool | None = None
    answer_correct: bool | None = None
    prose_correct: bool | None = None
    lead: str = Field(default="", description="the line that opens the answer (answer.lead())")
    lead_correct: bool | None = None
    direct_lead: bool | None = Field(default=None, description="answered, opens with a direct lead, no note")
    retrieval_hit: bool | None = None
    citations_precise: bool | None = None
    outlets_correct: bool | None = None
    decline_correct: bool
    passed: bool
    latency_ms: float

    def reasons(self) -> list[str]:
        """Short reasons this question failed, for reports (empty when it passed)."""
        found = []
        if self.error:
            found.append(f"error: {self.error}")
        if not self.decline_correct:
            found.append("false decline" if self.answerable else "missed decline")
        if self.answerable and not self.refused:
            found += [f"missing /{p}/" for p in self.missing_patterns]
            found += [f"wrong answer /{p}/" for p in self.wrong_patterns]
            found += [f"outlet not credited: {o}" for o in self.missing_outlets]
        for c in self.citations:
            if not c.verbatim:
                found.append(f"[{c.number}] quote not verbatim in {c.source}")
            elif not c.supporting:
                found.append(f"[{c.number}] quote does not support the answer ({c.source})")
            if not c.outlet_correct:
                found.append(f"[{c.number}] credited to {c.outlet!r}, article says {c.article_outlet!r}")
            if c.speaker_correct is False:
                found.append(f"[{c.number}] speaker {c.speaker!r} is not the one expected")
        if self.decline_reason_correct is False:
            found.append(f"decline reason {self.decline_reason!r} is not the one expected")
        if self.retrieval_hit is False:
            found.append("gold article not retrieved")
        return found


class Metric(BaseModel):
    """One metric: its value (None when nothing to measure), numerator and denominator."""

    value: float | None
    hits: float = 0.0
    total: int = 0


class Summary(BaseModel):
    """The metrics over a set of question results."""

    questions: int
    answerable: int
    must_decline: int
    errors: int
    k: int = Field(description="the largest number of articles retrieved for a question")
    metrics: dict[str, Metric]

    def value(self, key: str) -> float | None:
        """The value of one metric, None when it could not be measured."""
        metric = self.metrics.get(key)
        return metric.value if metric else None


def source_name(source: str) -> str:
    """The file name of a source: its basename without any '#line' suffix."""
    return _basename(source.split("#", 1)[0])


def is_gold(source: str, article_id: str, gold: Sequence[str], url: str | None = None) -> bool:
    """True when an article (by source, URL or id) is one of the gold `articles` entries."""
    for entry in gold:
        if entry == article_id or (url and entry == url):
            return True
        if "#" in entry:
            if _basename(source) == _basename(entry):
                return True
        elif source and source_name(source) == source_name(entry):
            return True
    return False


def pattern_misses(patterns: Sequence[str], text: str) -> list[str]:
    """The must_contain patterns that do not match the text (case-insensitive)."""
    return [p for p in patterns if not re.search(p, text, re.IGNORECASE)]


def pattern_hits(patterns: Sequence[str], text: str) -> list[str]:
    """The must_not_contain patterns that match the text (case-insensitive)."""
    return [p for p in patterns if re.search(p, text, re.IGNORECASE)]


def text_correct(gold: GoldQuestion, text: str) -> bool:
    """True when a text holds every required pattern and no forbidden one."""
    return not pattern_misses(gold.must_contain, text) and not pattern_hits(gold.must_not_contain, text)


def credited(outlets: Sequence[str], citations: Sequence[Citation]) -> list[str]:
    """The expected outlets that no citation credits (compared case-insensitively)."""
    given = {_fold(c.outlet) for c in citations}
    return [o for o in outlets if _fold(o) not in given]


def check_citation(citation: Citation, gold: GoldQuestion, lookup: ArticleLookup) -> CitationCheck:
    """Check a citation: verbatim in its article, supporting the answer, outlet of the article."""
    article = lookup(citation.article_id) if citation.article_id else None
    verbatim = article is not None and (
        article.text[citation.start : citation.end] == citation.quote
        or contains_verbatim(article.text, citation.quote)
    )
    answering = any(re.search(p, citation.quote, re.IGNORECASE) for p in gold.must_contain)
    supporting = is_gold(citation.source, citation.article_id, gold.articles, citation.url) or answering
    speaker_correct = None
    if gold.expect_speaker and answering:
        speaker_correct = bool(citation.speaker and re.search(gold.expect_speaker, citation.speaker, re.I))
    return CitationCheck(
        number=citation.number,
        outlet=citation.outlet,
        published=citation.published,
        quote=citation.quote,
        source=citation.source,
        article_id=citation.article_id,
        article_outlet=article.outlet if article else None,
        verbatim=verbatim,
        supporting=supporting,
        outlet_correct=article is not None and _fold(citation.outlet) == _fold(article.outlet),
        speaker=citation.speaker,
        speaker_correct=speaker_correct,
    )


def score_question(
    gold: GoldQuestion,
    answer: Answer | None,
    lookup: ArticleLookup,
    latency_ms: float,
    error: str | None = None,
    generator: str = "",
) -> QuestionResult:
    """Score one answer (None when ask() raised) against its gold question."""
    if answer is None:
        answer = Answer(text="", question=gold.question, generator=generator)
    refused = answer.refused and error is None
    checks = [] if refused else [check_citation(c, gold, lookup) for c in answer.citations]
    missing_patterns = pattern_misses(gold.must_contain, answer.text) if gold.answerable else []
    wrong_patterns = pattern_hits(gold.must_not_contain, answer.text) if gold.answerable else []
    missing_outlets = credited(gold.outlets, answer.citations) if gold.answerable else []
    answered = error is None and not refused
    answer_correct = (
        (answered and not missing_patterns and not wrong_patterns and not missing_outlets)
        if gold.answerable
        else None
    )
    prose = answer.prose if answer.prose is not None else answer.text
    prose_correct = (answered and text_correct(gold, prose)) if gold.answerable else None
    lead = answer.lead() if answered else ""
    lead_correct = (answered and text_correct(gold, lead)) if gold.answerable else None
    gold_rank = next(
        (rank for rank, ref in enumerate(answer.retrieved, start=1)
         if is_gold(ref.source, ref.article_id, gold.articles, ref.url)),
        None,
    )  # fmt: skip
    retrieval_hit = gold_rank is not None if gold.answerable and gold.articles else None
    citations_precise = all(c.precise for c in checks) if checks else None
    outlets_correct = all(c.outlet_correct for c in checks) and not missing_outlets if checks else None
    decline_correct = refused != gold.answerable
    reason_correct = (
        answer.decline_reason == gold.expect_decline_reason if gold.expect_decline_reason else None
    )
    outcome = answer_correct if gold.answerable else refused
    speakers_right = all(c.speaker_correct is not False for c in checks)
    passed = (
        bool(outcome)
        and citations_precise is not False
        and outlets_correct is not False
        and speakers_right
        and reason_correct is not False
    )
    return QuestionResult(
        id=gold.id,
        category=gold.category,
        question=gold.question,
        searched=answer.question,
        answerable=gold.answerable,
        follow_up=bool(gold.history),
        refused=refused,
        text=answer.text,
        generator=answer.generator or generator,
        fallback=answer.fallback,
        note=answer.note,
        error=error,
        citations=checks,
        retrieved=[ref.source or ref.article_id for ref in answer.retrieved],
        gold_rank=gold_rank,
        missing_patterns=missing_patterns,
        wrong_patterns=wrong_patterns,
        missing_outlets=missing_outlets,
        decline_reason=answer.decline_reason,
        decline_reason_correct=reason_correct,
        answer_correct=answer_correct,
        prose_correct=prose_correct,
        lead=lead,
        lead_correct=lead_correct,
        direct_lead=is_direct(answer) if answered else None,
        retrieval_hit=retrieval_hit,
        citations_precise=citations_precise,
        outlets_correct=outlets_correct,
        decline_correct=decline_correct,
        passed=passed,
        latency_ms=round(latency_ms, 1),
    )


def is_direct(answer: Answer) -> bool:
    """True when an answer opens with a direct lead (verified span or clause, or a model's
    verified prose) rather than a list of sources, and carries no note."""
    if answer.refused or answer.note:
        return False
    lead = answer.lead()
    model_prose = bool(answer.prose) and answer.generator != "extractive" and not answer.fallback
    return model_prose or (answer.direct is not None and lead == answer.direct.text)


def summarise(results: Sequence[QuestionResult]) -> Summary:
    """All metrics over a set of question results (see the module docstring)."""
    answerable = [r for r in results if r.answerable]
    must_decline = [r for r in results if not r.answerable]
    with_gold = [r for r in answerable if r.retrieval_hit is not None]
    citations = [c for r in results for c in r.citations]
    cited = [r for r in results if r.outlets_correct is not None]
    declined = [r for r in results if r.refused]
    follow_ups = [r for r in answerable if r.follow_up]
    latencies = sorted(r.latency_ms for r in results)
    judged = [c for c in citations if c.speaker_correct is not None]
    reasons = [r for r in results if r.decline_reason_correct is not None]
    sourced = [r for r in results if r.category == SOURCE_CATEGORY]
    opened = [r for r in results if r.direct_lead is not None]
    metrics = {
        "answer_accuracy": _ratio(sum(bool(r.answer_correct) for r in answerable), len(answerable)),
        "prose_accuracy": _ratio(sum(bool(r.prose_correct) for r in answerable), len(answerable)),
        "lead_accuracy": _ratio(sum(bool(r.lead_correct) for r in answerable), len(answerable)),
        "direct_lead_rate": _ratio(sum(bool(r.direct_lead) for r in opened), len(opened)),
        "retrieval_recall": _ratio(sum(bool(r.retrieval_hit) for r in with_gold), len(with_gold)),
        "mrr": _ratio(sum(1 / r.gold_rank for r in with_gold if r.gold_rank), len(with_gold)),
        "citation_precision": _ratio(sum(c.precise for c in citations), len(citations)),
        "citation_verbatim": _ratio(sum(c.verbatim for c in citations), len(citations)),
        "citation_supporting": _ratio(sum(c.supporting for c in citations), len(citations)),
        "outlet_accuracy": _ratio(sum(bool(r.outlets_correct) for r in cited), len(cited)),
        "decline_precision": _ratio(sum(not r.answerable for r in declined), len(declined)),
        "decline_recall": _ratio(sum(r.refused for r in must_decline), len(must_decline)),
        "false_decline_rate": _ratio(sum(r.refused for r in answerable), len(answerable)),
        "followup_accuracy": _ratio(sum(bool(r.answer_correct) for r in follow_ups), len(follow_ups)),
        "speaker_accuracy": _ratio(sum(bool(c.speaker_correct) for c in judged), len(judged)),
        "decline_reason_accuracy": _ratio(sum(bool(r.decline_reason_correct) for r in reasons), len(reasons)),
        "pass_rate": _ratio(sum(r.passed for r in results), len(results)),
        "source_accuracy": _ratio(sum(r.passed for r in sourced), len(sourced)),
        "latency_p50_ms": Metric(value=_percentile(latencies, 50), total=len(latencies)),
        "latency_p95_ms": Metric(value=_percentile(latencies, 95), total=len(latencies)),
    }
    return Summary(
        questions=len(results),
        answerable=len(answerable),
        must_decline=len(must_decline),
        errors=sum(r.error is not None for r in results),
        k=max((len(r.retrieved) for r in results), default=0),
        metrics=metrics,
    )


def by_group(results: Sequence[QuestionResult], key: Callable[[QuestionResult], str]) -> dict[str, Summary]:
    """Summaries per group (category, generator), groups in order of first appearance."""
    groups: dict[str, list[QuestionResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {name: summarise(members) for name, members in groups.items()}


def generator_label(result: QuestionResult) -> str:
    """The generator that produced an answer, marking fallbacks to the extractive one."""
    return f"{result.generator} (fallback)" if result.fallback else result.generator


def _ratio(hits: float, total: int) -> Metric:
    """hits / total, None when there is nothing to count."""
    return Metric(value=hits / total if total else None, hits=hits, total=total)


def _percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile of sorted values, interpolating linearly; None when empty."""
    if not values:
        return None
    position = (len(values) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 1)


def _basename(path: str) -> str:
    """The last component of a path or URL."""
    return re.split(r"[\\/]", path.rstrip("/\\"))[-1]


def _fold(outlet: str | None) -> str:
    """An outlet name compared case- and space-insensitively."""
    return " ".join((outlet or "").split()).casefold()
