"""The bad-file corpus through the readers, the profile and the report.

Every entry fails with its precise code and a message a person can act on,
or succeeds (and its report renders); memory stays bounded for the ones
built to hurt (100,000 columns, a zip bomb expanding to 4 GiB).
"""

from __future__ import annotations

import gc
import io
import tracemalloc
import zipfile

import openpyxl
import pytest

from analysis_service.agents.runner import AgentRequest, ProfileRun, run_profile_agents
from analysis_service.domain.errors import InputError
from analysis_service.domain.sources import SourceOptions, open_table
from analysis_service.report import build_report, write_workbook
from dqcommon.tools.catalog import UNIFIED_PROFILER
from tests.support.bad_files import CORPUS, FORMULA_CELLS, BadFile
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit
MIB = 1024 * 1024


def profile(data: bytes, filename: str) -> ProfileRun:
    return run_profile_agents(
        chunked(data, 256 * 1024),
        [AgentRequest("unified-profiler", UNIFIED_PROFILER.defaults())],
        batch_rows=1_000,
        primary_source=SourceOptions(name=filename),
    )


def workbook_bytes(run: ProfileRun) -> bytes:
    report = build_report(
        tool_id="profile-my-data", analysis_id="t", outputs=run.outputs, execution_time_ms=1
    )
    out = io.BytesIO()
    write_workbook(report, out)
    return out.getvalue()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("bad", CORPUS, ids=[b.key for b in CORPUS])
def test_each_bad_file_fails_precisely_or_succeeds(bad: BadFile) -> None:
    data = bad.make()
    if not bad.code:
        run = profile(data, bad.filename)
        assert run.outputs[0].ok, run.outputs[0].error
        workbook_bytes(run)
        return
    with pytest.raises(InputError) as caught:
        profile(data, bad.filename)
    error = caught.value
    assert error.code == bad.code, str(error)
    assert bad.message in str(error)
    assert error.slot == "primary"
    message = str(error)
    assert 20 < len(message) < 700 and "Traceback" not in message and "Error(" not in message


def _peak(action) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        with pytest.raises(InputError):
            action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("key", ["100k-columns", "xlsx-zip-bomb", "single-line-10mb"])
def test_hostile_files_are_refused_in_bounded_memory(key: str) -> None:
    """The 100,000-column CSV took 3.5 minutes and 2.1 GB before; now it is
    refused from its header, before any per-column state exists."""
    bad = next(b for b in CORPUS if b.key == key)
    data = bad.make()
    peak = _peak(lambda: profile(data, bad.filename))
    # The input itself is part of the traced heap here (up to 10 MB).
    assert peak < len(data) * 3 + 24 * MIB, peak / MIB


def test_header_only_file_profiles_zero_rows() -> None:
    run = profile(b"a,b,c\n", "h.csv")
    assert run.primary.rows == 0 and run.primary.column_names == ["a", "b", "c"]


def test_cp1252_decision_is_stated() -> None:
    bad = next(b for b in CORPUS if b.key == "invalid-utf8")
    run = profile(bad.make(), bad.filename)
    source = run.primary.source
    assert source.encoding == "cp1252" and "Windows-1252" in source.encoding_evidence
    described = run.outputs[0].data["dataset"]["source"]
    assert described["encoding"] == "cp1252" and described["encoding_evidence"]
    assert run.primary.column("name").sample_values() == ["José", "Renée"]


def test_nul_bytes_are_removed_and_counted() -> None:
    with open_table([b"a,b\n1,x\x00y\n2,\x00\x00z\n"]) as reader:
        frame = next(iter(reader)).frame
        assert frame["b"].tolist() == ["xy", "z"]
        assert reader.stats.nul_bytes_removed == 3


def test_formula_like_cells_stay_data_and_never_become_formulas() -> None:
    data = next(b for b in CORPUS if b.key == "formula-cells").make()
    with open_table([data]) as reader:
        frame = next(iter(reader)).frame
    assert list(frame.columns) == ["=cmd|' /C calc'!A0", "value"]
    assert frame.iloc[:, 0].tolist() == FORMULA_CELLS
    run = profile(data, "f.csv")
    # a finding: every text cell a spreadsheet would run ("-5" is a number)
    out = run.outputs[0]
    alert = next(a for a in out.findings.alerts if a.alert_id == "alert_profile_formula_like_cells")
    assert list(alert.affected_fields) == ["=cmd|' /C calc'!A0"]
    field = next(f for f in out.data["fields"] if f["field_name"] == "=cmd|' /C calc'!A0")
    assert field["statistics"]["formula_like_count"] == 4
    rows = [r for r in out.findings.row_issues if r.issue_type == "formula_like_value"]
    assert sorted(r.row_index for r in rows) == [0, 1, 3, 4]
    data = workbook_bytes(run)
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
    xml = "".join(archive.read(n).decode() for n in sheets)
    assert "<f>" not in xml and "<f " not in xml  # no formula anywhere
    book = openpyxl.load_workbook(io.BytesIO(data))
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "=cmd|' /C calc'!A0" in texts  # the column name, as text


def test_control_characters_do_not_break_the_report() -> None:
    run = profile(b"name\x01x,b\nva\x02lue,1\nva\x02lue,2\n", "c.csv")
    assert run.outputs[0].ok
    workbook_bytes(run)  # openpyxl would raise IllegalCharacterError
