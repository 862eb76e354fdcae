"""The fitted models, stored as package data: evidence (is this quote the answer?) and answerability.

Both are logistic regressions over standardised features, so each is a handful of numbers in a
JSON file that `news-assistant fit` writes (with its training report beside it) and this module
reads. Their outputs are probabilities; the decline threshold is one too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from assistant.scoring.features import FEATURES
from assistant.scoring.question_features import ANSWERABILITY_FEATURES

MODEL_FILE = "evidence_model.json"
REPORT_FILE = "evidence_model.md"


class ModelFileError(RuntimeError):
    """The fitted model file is missing or does not match the features this code computes."""


class LogisticModel(BaseModel):
    """P(y=1 | x) = sigmoid(w . (x - mean) / scale + b), over named features."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """The probability for each row of a feature matrix (columns in self.features order)."""
        if rows.shape[0] == 0:
            return np.zeros(0)
        z = (rows - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = z @ np.asarray(self.weights) + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)))


class FittedModels(BaseModel):
    """Everything `news-assistant fit` learns from the tuning half, with where it came from."""

    evidence: LogisticModel
    answerability: LogisticModel
    decline_below: float = Field(description="decline when P(answerable) is below this")
    extra_quote_ratio: float = Field(description="show another quote when its P >= this x the best P")
    silent_below: float = Field(
        default=0.05,
        description="compare() calls an outlet silent, with no outlet answering clearly, only below this P: "
        "the highest threshold that declines no answerable tuning question (a refit computes it; the "
        "default comes from the fit made before this field existed)",
    )
    trained_on: str = ""
    fitted_at: str = ""


def model_path() -> Path:
    """Where the packaged model file lives (written by `news-assistant fit`)."""
    return Path(str(resources.files("assistant.scoring").joinpath(MODEL_FILE)))


@lru_cache(maxsize=1)
def load_models() -> FittedModels:
    """The packaged fitted models, checked against the features this code computes."""
    path = model_path()
    try:
        models = FittedModels.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelFileError(f"{path} is missing: run `news-assistant fit` to fit the models") from None
    if (
        tuple(models.evidence.features) != FEATURES
        or tuple(models.answerability.features) != ANSWERABILITY_FEATURES
    ):
        raise ModelFileError(
            f"{path} was fitted on other features than this code computes: run `news-assistant fit`"
        )
    return models
