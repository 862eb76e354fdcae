"""`python -m benchmarks.lead_grammar`: can the bundled model pick the lead's span better than the
fitted span scorer? Dev set, tuning half only.

Every answered tuning question (the answers `news-assistant fit-lead --answers FILE` collected, or
asked afresh) that wants a span: Gemma 3 270M reads the shown quotes and the question and must
answer with one of the candidate spans the scorer sees (a llama.cpp grammar whose only strings
are those spans, so it cannot write anything else); its span's lead is judged like the scorer's.
Results: benchmarks/results-lead-grammar.md.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT, bundled_gguf, load_settings
from assistant.evaluation.metrics import text_correct
from assistant.pipeline import lead
from assistant.training import fit_lead
from benchmarks.measure import machine_info, now_iso

OUT = PROJECT_ROOT / "benchmarks" / "results-lead-grammar.md"
DEV_SET = Path("../shared/corpora/rtqa_dev")
# The prompt holds the four shown quotes (about 600 tokens) and at most this many candidate spans
# go into the grammar, best first by the scorer (a question has about 30).
MAX_CHOICES = 60
PROMPT = (
    "<start_of_turn>user\nRead the passages and answer the question with the exact words of a "
    "passage.\n\nPassages:\n{passages}\n\nQuestion: {question}<end_of_turn>\n<start_of_turn>model\n"
)


def _grammar_of(texts: list[str]) -> str:
    """A GBNF grammar whose only sentences are these texts."""

    def literal(text: str) -> str:
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    return "root ::= " + " | ".join(literal(t) for t in texts)


def run(answers: Path | None, out: Path = OUT) -> str:
    """Compare the two span pickers on the tuning half; write and return the Markdown summary."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from llama_cpp import Llama, LlamaGrammar

    args = argparse.Namespace(
        questions=DEV_SET / "questions.jsonl", corpus=[DEV_SET / "corpus.jsonl.gz"], out=None, sample=None,
        answers=answers,
    )  # fmt: skip
    asked = fit_lead.collect(args, load_settings(llm="extractive"))
    llm = Llama(model_path=str(bundled_gguf()), n_ctx=2048, n_threads=2, n_batch=512, verbose=False)
    model = lead.load_lead_model()
    names = ("questions", "span", "scorer_first", "model_first", "scorer_lead", "model_lead")
    counts = dict.fromkeys(names, 0)
    started = time.perf_counter()
    for item in asked:
        counts["questions"] += 1
        shown = lead.write_lead(item.searched, item.citations)
        right = text_correct(item.gold, shown.text if shown else "")
        counts["scorer_lead"] += right
        candidates = lead.spans(item.searched, item.citations) if lead.wants_span(item.searched) else []
        if not candidates:
            counts["model_lead"] += right
            continue
        counts["span"] += 1
        ranked = sorted(candidates, key=lambda s: -model.probability(s.features))
        texts = list(dict.fromkeys(s.text for s in ranked))[:MAX_CHOICES]
        passages = "\n".join(f"[{c.number}] {c.quote}" for c in item.citations)
        reply = llm.create_completion(
            PROMPT.format(passages=passages, question=item.searched),
            max_tokens=32,
            temperature=0.0,
            grammar=LlamaGrammar.from_string(_grammar_of(texts), verbose=False),
        )["choices"][0]["text"]
        llm.reset()
        picked = next((s for s in ranked if s.text == reply.strip()), None)
        picked_lead = lead.span_lead(picked, item.citations) if picked else None
        counts["model_lead"] += text_correct(item.gold, picked_lead.text) if picked_lead else right
        counts["model_first"] += picked is not None and fit_lead.is_answer(picked, item)
        counts["scorer_first"] += fit_lead.is_answer(ranked[0], item)
    seconds = time.perf_counter() - started
    info = machine_info()
    lines = [
        "# The lead's span: fitted scorer or the bundled model under a grammar",
        "",
        f"Run {now_iso()} on {info['cores']} cores ({info['cpu']}, load average {info['load_average']}), "
        f"{seconds:.0f} s: `python -m benchmarks.lead_grammar`.",
        "",
        f"Dev tuning half: {counts['questions']} answered questions, {counts['span']} of them asking "
        "for a span with candidates in the shown quotes.",
        "",
        "| | right span first | lead right (all answered questions) |",
        "|---|---|---|",
        f"| fitted span scorer (shipped) | {counts['scorer_first']} | {counts['scorer_lead']} |",
        f"| Gemma 3 270M, grammar of the spans | {counts['model_first']} | {counts['model_lead']} |",
        "",
        "The scorer's leads are what ask() shows (its floor applies); the model's lead is its span's",
        "lead wherever it picked one. The better picker is kept as the lead's (docs/lead.md).",
        "",
    ]
    text = "\n".join(lines)
    out.write_text(text, encoding="utf-8")
    return text


def main() -> None:
    """Command line: python -m benchmarks.lead_grammar [--answers FILE]."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=Path, help="answers file of fit-lead --answers")
    print(run(parser.parse_args().answers))


if __name__ == "__main__":
    main()
