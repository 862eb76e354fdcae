"""Compare outlets: what each outlet in the index says about a question, who says nothing, and
where their quotes disagree."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from pydantic import BaseModel, Field

from assistant.news.disagreement import Disagreement, find_disagreements
from assistant.pipeline.engine import Engine
from assistant.pipeline.evidence import Quote
from assistant.pipeline.lead import typed_answers
from assistant.pipeline.request import AskRequest
from assistant.pipeline.speakers import with_speakers
from assistant.pipeline.state import AskState, Steps, cite
from assistant.pipeline.verify import quote_is_verbatim
from assistant.text import normalise
from assistant.types import Answer, ArticleRef, Citation
from index.store import SearchFilter

# Each outlet is searched on its own: this many passages is enough for its best few quotes without
# letting a large outlet's near misses crowd the evidence model's view.
OUTLET_TOP_K = 6

# A P(answerable) threshold no probability is below: the select step then never declines.
NEVER_DECLINE = 0.0


class OutletCoverage(BaseModel):
    """One outlet's verified quotes on the question, and the articles they come from."""

    outlet: str
    answerability: float = Field(description="the model's probability that this outlet's articles answer")
    citations: list[Citation] = Field(default_factory=list)
    articles: list[ArticleRef] = Field(default_factory=list, description="this outlet's matching articles")


class Comparison(BaseModel):
    """What compare() returns: one entry per outlet that covers the question, the silent ones,
    and the disagreements between outlets' quotes."""

    question: str
    outlets: list[OutletCoverage] = Field(default_factory=list)
    silent: list[str] = Field(default_factory=list, description="outlets in the index with nothing relevant")
    unclear: list[str] = Field(
        default_factory=list,
        description="outlets near the question when no outlet answers it clearly: neither quoted nor silent",
    )
    disagreements: list[Disagreement] = Field(default_factory=list)

    def no_columns_note(self) -> str:
        """What to say when no outlet gets a column: unclear outlets are not 'nothing relevant'."""
        if self.unclear:
            return "No outlet's articles answer this clearly enough to quote."
        return "No outlet in the index has anything relevant."

    def citations(self) -> list[Citation]:
        """Every citation of every outlet, in column order."""
        return [c for coverage in self.outlets for c in coverage.citations]


def compare_with(
    engine: Engine,
    question: str,
    *,
    outlets: Sequence[str] | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Comparison:
    """Compare the outlets of one engine's index on a question (see assistant.compare)."""
    request = engine.resolve(AskRequest.of(question, outlets=outlets, since=since, until=until))
    asked = engine.steps.between("standalone", "instruction").run(AskState(request))
    wanted = request.search_filter
    indexed = _indexed_outlets(engine, wanted.outlets)
    if isinstance(asked, Answer):  # an instruction: declined, every outlet silent
        return Comparison(question=asked.question, silent=indexed)
    state = engine.steps.between("embed", "embed").state(asked)
    found = {outlet: _outlet_evidence(engine, state, outlet, wanted) for outlet in indexed}
    ratio = engine.models.extra_quote_ratio
    bar = column_bar([e.answerable for e in found.values() if e], engine.decline_threshold(), ratio)
    covered: list[OutletCoverage] = []
    silent: list[str] = []
    unclear: list[str] = []
    for outlet in indexed:
        evidence = found[outlet]
        coverage = None
        if evidence is not None and bar is not None and evidence.answerable >= bar:
            coverage = _outlet_coverage(engine, evidence)
        if coverage is not None:
            covered.append(coverage)
        elif bar is None and _near(evidence, engine.models.silent_below):
            unclear.append(outlet)
        else:
            silent.append(outlet)
    covered.sort(key=lambda c: -c.answerability)
    covered += _corroborating(engine, state.question, _renumbered(covered), [found[o] for o in silent])
    columns = {c.outlet for c in covered}
    covered = _renumbered(covered)
    citations = [c for coverage in covered for c in coverage.citations]
    return Comparison(
        question=state.question,
        outlets=covered,
        silent=[o for o in silent if o not in columns],
        unclear=unclear,
        disagreements=find_disagreements(citations, engine.parses),
    )


def _near(evidence: _OutletEvidence | None, silent_below: float) -> bool:
    """True when the outlet's articles may answer: P(answerable) at or above the fitted bar below
    which the model declined no answerable tuning question ("silent" must be true)."""
    return evidence is not None and evidence.answerable >= silent_below


def _corroborating(
    engine: Engine, question: str, covered: list[OutletCoverage], others: Sequence[_OutletEvidence | None]
) -> list[OutletCoverage]:
    """Columns for outlets left out whose best quotes hold the answer the columns give.

    When the question asks for an entity of a kind (a place, a number, a person) and the columns'
    quotes fill that slot with one (the lead scorer's best), an outlet whose own best quotes
    (ask()'s selection, limited to it) name the same entity answers the question too, however
    weakly its wording matches the question's: calling it silent would be false. Only a typed
    answer is matched (a noun phrase or a reported clause says too little on its own), and only
    one that some outlet left out does not name: an entity every outlet names is the story's
    setting ('Russia' in articles about Russia), not an answer that tells them apart. The best such
    answer is used; the column shows only the quotes that hold it, each checked verbatim.
    """
    candidates = [e for e in others if e is not None]
    for answer in _typed_answers(question, [c for coverage in covered for c in coverage.citations]):
        found = [c for c in (_outlet_coverage(engine, e, holding=answer) for e in candidates) if c]
        if found and len(found) < len(candidates):
            return found
    return []


def _typed_answers(question: str, citations: list[Citation]) -> list[re.Pattern[str]]:
    """The columns' typed answers as whole-word patterns, best first: the lead scorer's spans of a
    kind the question asks for."""
    return [_term_pattern(text) for text in typed_answers(question, citations)] if citations else []


def _term_pattern(text: str) -> re.Pattern[str]:
    """A case-blind pattern for the text as whole words, after folding quote marks and spaces."""
    return re.compile(rf"(?<!\w){re.escape(normalise(text))}(?!\w)", re.IGNORECASE)


def _indexed_outlets(engine: Engine, names: tuple[str, ...]) -> list[str]:
    """The outlets in the index, only those the outlet filter names when it names any."""
    if not names:
        return engine.store.outlets()
    allowed = engine.store.allowed_articles(SearchFilter(names)) or set()
    found = {meta.outlet for a in allowed if (meta := engine.store.article_meta(a)) and meta.outlet}
    return sorted(found)


def column_bar(answerable: Sequence[float], decline_below: float, extra_quote_ratio: float) -> float | None:
    """The P(answerable) an outlet's own articles must reach for a column, or None when no outlet's
    articles answer the question (ask() limited to any one of them would decline it).

    Each outlet is searched and weighed alone, so every outlet's P(answerable) is on the same
    footing. An outlet gets a column when ask() limited to it would answer (P >= the decline
    threshold), or when its articles are nearly as likely to answer as the best outlet's (P >= the
    fitted extra-quote ratio x the best P: ask()'s own rule for showing a quote beside the best
    one). "Silent" is then a claim both rules back: ask() limited to that outlet would decline,
    and its articles are far less likely to answer than the best outlet's. The quotes' own scores
    are not compared across outlets: a quote's features are relative to the passages retrieved
    with it, so one outlet's wording of the question's own words outscores equally relevant quotes
    of the others.
    """
    best = max(answerable, default=0.0)
    if best < decline_below:
        return None
    return min(decline_below, best * extra_quote_ratio)


@dataclass(frozen=True)
class _OutletEvidence:
    """One outlet's candidate quotes weighed alone (ask()'s state after its weigh step)."""

    outlet: str
    state: AskState

    @property
    def ranked(self) -> tuple[Quote, ...]:
        """The outlet's candidate quotes, best first."""
        return self.state.ranked

    @property
    def answerable(self) -> float:
        """P(the outlet's articles answer the question)."""
        return self.state.answerable


def _outlet_evidence(
    engine: Engine, state: AskState, outlet: str, wanted: SearchFilter
) -> _OutletEvidence | None:
    """The outlet's own passages weighed by ask()'s steps (articles to weigh), None when it has none."""
    own = SearchFilter((outlet,), wanted.since, wanted.until)  # admits 'Name (Wire)' too: dropped below
    chunks = [
        item
        for item in engine.retriever.retrieve(state.question, own, OUTLET_TOP_K, query_vector=state.vector)
        if item.chunk.outlet == outlet
    ]
    if not chunks:
        return None
    weighed = engine.steps.between("articles", "weigh").state(replace(state, chunks=tuple(chunks)))
    if not weighed.ranked:
        return None
    return _OutletEvidence(outlet, weighed)


def _outlet_coverage(
    engine: Engine, evidence: _OutletEvidence, holding: re.Pattern[str] | None = None
) -> OutletCoverage | None:
    """The outlet's column: its best quotes that stand verbatim in their articles (only those
    matching `holding` when given), with their speakers; None when none does."""
    outlet, ranked, articles = evidence.outlet, evidence.ranked, evidence.state.articles
    chosen = list(_select_any(engine).state(evidence.state).quotes)
    if holding is not None:
        chosen = [q for q in chosen if holding.search(normalise(q.text))]
    originals = engine.store.original_texts({q.article_id for q in chosen})
    verified = [
        q
        for q in chosen
        if q.outlet == outlet
        and quote_is_verbatim(q, articles[q.article_id].text, originals.get(q.article_id))
    ]
    if not verified:
        return None
    texts = {q.article_id: articles[q.article_id].text for q in verified}
    attributed = with_speakers(verified, texts, engine.mentions)
    shown = ranked[0].score * engine.models.extra_quote_ratio
    return OutletCoverage(
        outlet=outlet,
        answerability=round(evidence.answerable, 4),
        citations=[cite(i, q) for i, q in enumerate(attributed, start=1)],
        articles=_matching_articles([q for q in ranked if q.score >= shown]),
    )


def _select_any(engine: Engine) -> Steps:
    """ask()'s select step, never declining: column_bar has already judged the outlet."""
    return Steps((engine.select_step(decline_below=NEVER_DECLINE),))


def _matching_articles(quotes: list[Quote]) -> list[ArticleRef]:
    """The distinct articles of the quotes, best first."""
    refs: dict[str, ArticleRef] = {}
    for q in quotes:
        refs.setdefault(
            q.article_id,
            ArticleRef(article_id=q.article_id, score=round(q.score, 4), **q.credit.model_dump()),
        )
    return list(refs.values())


def _renumbered(covered: list[OutletCoverage]) -> list[OutletCoverage]:
    """The columns with their citations numbered 1..n in column order."""
    number = 0
    result = []
    for coverage in covered:
        citations = []
        for citation in coverage.citations:
            number += 1
            citations.append(citation.model_copy(update={"number": number}))
        result.append(coverage.model_copy(update={"citations": citations}))
    return result
