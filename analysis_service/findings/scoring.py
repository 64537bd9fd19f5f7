"""ONE scoring helper: weighted scores with normalised weights, statuses
from an agent's own threshold parameters, and the letter grade.

Statuses come from :class:`StatusBands`: an ordered list of (floor, status)
pairs built from the agent's parameters (for example test coverage's
``excellent_threshold`` / ``good_threshold``, readiness' ``ready_threshold``
/ ``needs_review_threshold``) and the status below the last floor. A score
at a floor gets that floor's status (">=").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

S = TypeVar("S")

GRADES: tuple[tuple[float, str], ...] = (
    (90.0, "A"),
    (80.0, "B"),
    (70.0, "C"),
    (60.0, "D"),
)


def normalise_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights scaled to sum to 1. Negative weights are refused; when every
    weight is zero each component counts equally (the score stays defined)."""
    if any(w < 0 for w in weights.values()):
        raise ValueError("weights must not be negative")
    total = sum(weights.values())
    if not weights:
        return {}
    if total == 0:
        return dict.fromkeys(weights, 1.0 / len(weights))
    return {key: w / total for key, w in weights.items()}


def weighted_score(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Sum of normalised weight * score over the components in ``weights``
    (every one of them must have a score)."""
    missing = set(weights) - set(scores)
    if missing:
        raise KeyError(f"no score for weighted component(s): {', '.join(sorted(missing))}")
    normalised = normalise_weights(weights)
    return sum(normalised[key] * float(scores[key]) for key in normalised)


@dataclass(frozen=True)
class StatusBands(Generic[S]):
    """``floors`` from the highest down: (minimum score, status)."""

    floors: tuple[tuple[float, S], ...]
    below: S

    def __post_init__(self) -> None:
        values = [floor for floor, _ in self.floors]
        if values != sorted(values, reverse=True):
            raise ValueError("status floors must be given from the highest down")

    @classmethod
    def of(cls, floors: Sequence[tuple[float, S]], below: S) -> StatusBands[S]:
        return cls(tuple((float(f), s) for f, s in floors), below)

    def status(self, score: float) -> S:
        for floor, status in self.floors:
            if score >= floor:
                return status
        return self.below


def grade(score: float) -> str:
    """A >= 90, B >= 80, C >= 70, D >= 60, else F."""
    for floor, letter in GRADES:
        if score >= floor:
            return letter
    return "F"


def clamp(score: float, low: float = 0.0, high: float = 100.0) -> float:
    return max(low, min(high, score))
