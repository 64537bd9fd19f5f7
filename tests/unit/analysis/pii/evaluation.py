"""Column-level precision and recall of the PII detector on the corpus.

``python -m tests.unit.analysis.pii.evaluation`` prints the table the
README shows.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd

from analysis_service.domain.csv_source import iter_csv_batches
from analysis_service.domain.pii import ColumnAssessment, ColumnDetector, ColumnFacts, PiiSampler
from analysis_service.domain.pii import EntityType as E
from tests.unit.analysis.pii.corpus import SAMPLE_SIZE, SEED, LabelledColumn, build_corpus

LOST_PRECISION = "lost_precision"  # the extra row of the table


def assess(column: LabelledColumn, detector: ColumnDetector) -> ColumnAssessment:
    """The real path: CSV bytes -> streaming reader (small batches) ->
    reservoir sampler -> detector."""
    buffer = io.StringIO()
    pd.DataFrame({column.header: column.values}).to_csv(buffer, index=False)
    sampler = PiiSampler([column.header], SAMPLE_SIZE, seed=SEED)
    for batch in iter_csv_batches([buffer.getvalue().encode()], batch_rows=64):
        sampler.consume(batch)
    sample = sampler.sample(column.header)
    facts = ColumnFacts(non_null_count=sample.non_null)
    return detector.detect(column.header, sample.values, rows=sample.rows, facts=facts)


@dataclass(frozen=True)
class Score:
    label: str
    positives: int
    true_positives: int
    false_positives: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0


@dataclass(frozen=True)
class Evaluation:
    scores: list[Score]
    columns: int
    negatives: int
    mistakes: list[str]

    def table(self) -> str:
        lines = [
            "| entity | positive columns | precision | recall |",
            "|---|---|---|---|",
        ]
        for s in self.scores:
            lines.append(f"| {s.label} | {s.positives} | {s.precision:.3f} | {s.recall:.3f} |")
        lines.append(
            f"\n{self.columns} columns, {self.negatives} of them look-alike negatives; "
            f"{len(self.mistakes)} mistakes."
        )
        return "\n".join(lines)


def evaluate(columns: list[LabelledColumn]) -> Evaluation:
    detector = ColumnDetector()
    predicted = [(c, assess(c, detector)) for c in columns]
    scores: list[Score] = []
    mistakes: list[str] = []
    for entity in E:
        tp = sum(1 for c, a in predicted if c.entity is entity and a.entity is entity)
        fp = sum(1 for c, a in predicted if c.entity is not entity and a.entity is entity)
        positives = sum(1 for c, _ in predicted if c.entity is entity)
        scores.append(Score(entity.value, positives, tp, fp))
    lost = [(c.lost_precision, a.lost_precision is not None) for c, a in predicted]
    scores.append(
        Score(
            LOST_PRECISION,
            sum(1 for truth, _ in lost if truth),
            sum(1 for truth, flag in lost if truth and flag),
            sum(1 for truth, flag in lost if flag and not truth),
        )
    )
    for c, a in predicted:
        if a.entity is not c.entity or (a.lost_precision is not None) != c.lost_precision:
            share = a.detection.evidence.share if a.detection else None
            mistakes.append(
                f"{c.header!r} ({c.locale}, {c.what}): expected "
                f"{c.entity.value if c.entity else None}, got "
                f"{a.entity.value if a.entity else None} (share {share}), "
                f"lost precision {a.lost_precision is not None}"
            )
    negatives = sum(1 for c in columns if c.entity is None and not c.lost_precision)
    return Evaluation(scores, len(columns), negatives, mistakes)


if __name__ == "__main__":
    result = evaluate(build_corpus())
    print(result.table())
    for mistake in result.mistakes:
        print("mistake:", mistake)
