"""Column-level precision and recall on the labelled Faker corpus (>= 0.95 each).

The table printed here is the one in the README (a test keeps them equal).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis_service.domain.pii import EntityType
from tests.unit.analysis.pii.corpus import LabelledColumn, build_corpus
from tests.unit.analysis.pii.evaluation import LOST_PRECISION, Evaluation, evaluate

pytestmark = pytest.mark.unit

README = Path(__file__).resolve().parents[4] / "README.md"
TARGET = 0.95


@pytest.fixture(scope="module")
def corpus() -> list[LabelledColumn]:
    return build_corpus()


@pytest.fixture(scope="module")
def evaluation(corpus) -> Evaluation:
    result = evaluate(corpus)
    print("\n" + result.table())
    return result


def test_corpus_shape(corpus):
    columns = corpus
    for entity in EntityType:
        mine = [c for c in columns if c.entity is entity]
        assert len(mine) >= 20, entity
        assert len({c.header for c in mine}) >= 6, entity  # several spellings
    negatives = [c for c in columns if c.entity is None and not c.lost_precision]
    assert len(negatives) >= 50
    assert sum(1 for c in columns if c.lost_precision) >= 4


def test_corpus_is_deterministic():
    assert build_corpus(per_entity=2) == build_corpus(per_entity=2)


@pytest.mark.parametrize("label", [e.value for e in EntityType] + [LOST_PRECISION])
def test_precision_and_recall(evaluation, label):
    score = next(s for s in evaluation.scores if s.label == label)
    assert score.precision >= TARGET and score.recall >= TARGET, (score, evaluation.mistakes)


def test_readme_shows_these_figures(evaluation):
    assert evaluation.table() in README.read_text(encoding="utf-8")
