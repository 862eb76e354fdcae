"""The gold-question eval: load questions, run ask() on each, score, report and gate CI."""

from assistant.evaluation.metrics import QuestionResult, Summary, score_question, summarise
from assistant.evaluation.questions import GoldQuestion, QuestionFileError, load_questions
from assistant.evaluation.runner import EvalRun, run_questions
from assistant.evaluation.thresholds import THRESHOLDS, GateFailure, check_gate

__all__ = [
    "THRESHOLDS",
    "EvalRun",
    "GateFailure",
    "GoldQuestion",
    "QuestionFileError",
    "QuestionResult",
    "Summary",
    "check_gate",
    "load_questions",
    "run_questions",
    "score_question",
    "summarise",
]
