"""field-standardization over random small CSVs: no row lost, no cell
emptied, the preview pass predicts the writing pass, the change records
replay the cleaned file from the input (null tokens aside), and a second run changes nothing."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis_service.domain.sources import NA_TOKENS
from tests.unit.cleaning.fs_helpers import run_fs

VALUES = ["Rome", "rome", " ROME", "Rome  ", "New  York", "new york", "03/04/2024"]
VALUES += ["25/12/2024", "2024-1-5", "x", "", "   ", "aB3", "Ab3", "N/A"]
cell = st.sampled_from(VALUES)


def _csv(rows: list[tuple[str, str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["a", "b"])
    writer.writerows(rows)
    return buf.getvalue().encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=25), st.integers(1, 6))
def test_random_input(rows: list[tuple[str, str]], batch_rows: int) -> None:
    data = _csv(rows)
    r = run_fs(data, batch_rows=batch_rows, preview=True)
    agent = "field-standardization"
    original = list(csv.reader(io.StringIO(data.decode())))
    assert r.run.rows_in == len(rows) == r.run.rows_cleaned and r.run.rows_quarantined == 0
    assert r.run.preview[agent].counts() == r.run.tallies[agent].counts()
    for before, after in zip(original[1:], r.cleaned[1:], strict=True):
        for b, a in zip(before, after, strict=True):
            if b in NA_TOKENS:  # read as null by the source, written empty by the chain
                assert a == ""
            else:
                assert a and (bool(a.strip()) == bool(b.strip()))  # never emptied
    # replaying the change examples (all of them: < MAX_EXAMPLES here) gives the output
    replay = [list(row) for row in original[1:]]
    order = ["trim_whitespace", "internal_spacing", "case_unified", "date_standardized"]
    for (rule, column), t in sorted(
        r.run.tallies[agent].rules.items(), key=lambda kv: order.index(kv[0][0])
    ):
        j = original[0].index(column)
        assert t.nulled == 0
        for e in t.examples:
            assert replay[e["row_index"]][j] == e["before"], rule
            replay[e["row_index"]][j] = e["after"]
    if all(t.cells <= len(t.examples) for t in r.run.tallies[agent].rules.values()):
        assert [[("" if v in NA_TOKENS else v) for v in row] for row in replay] == r.cleaned[1:]
    again = run_fs(r.cleaned_text.encode(), batch_rows=batch_rows)
    assert again.cleaned_text == r.cleaned_text
    assert again.tree["summary_metrics"]["values_changed"] == 0
