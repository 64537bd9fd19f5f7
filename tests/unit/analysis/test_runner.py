"""The runner's protocol, with small agents written the way real ones are:
baseline first, observers built from the finished baseline, one pass each,
earlier agents' published findings, and failures isolated per agent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import pytest

from analysis_service.agents.base import (
    AgentContext,
    AgentOutput,
    AgentStatus,
    Baseline,
    BaselineUse,
    Findings,
    Observer,
    ProfileAgent,
)
from analysis_service.agents.params import AgentParams
from analysis_service.agents.runner import AgentRequest, run_profile_agents, uses_baseline
from analysis_service.agents.unified_profiler import UnifiedProfilerAgent
from analysis_service.domain.csv_source import CsvBatch
from analysis_service.findings import Alert, IdSequence, Severity
from tests.unit.analysis.conftest import chunked

pytestmark = pytest.mark.unit

EVENTS: list[str] = []


@dataclass(frozen=True)
class BinsParams(AgentParams):
    bins: int = 4


@dataclass
class RowCounter:
    """A mergeable observer: rows seen and the first row of each batch."""

    label: str
    rows: int = 0
    first_rows: list[int] = field(default_factory=list)
    edges: list[float] = field(default_factory=list)

    def consume(self, batch: CsvBatch) -> None:
        EVENTS.append(f"{self.label}:{batch.first_row}")
        self.rows += batch.num_rows
        self.first_rows.append(batch.first_row)

    def merge(self, other: Self) -> None:
        self.rows += other.rows
        self.first_rows += other.first_rows


class DriftLike(ProfileAgent[BinsParams]):
    """Fixes bins from the baseline before seeing the primary."""

    agent_id = "drift-like"
    agent_name = "DriftLike"
    params_type = BinsParams
    baseline = BaselineUse.REQUIRED

    def baseline_observer(self, params: BinsParams, columns: Sequence[str]) -> Observer | None:
        EVENTS.append("baseline_observer")
        return RowCounter("baseline")

    def observer(
        self, params: BinsParams, columns: Sequence[str], baseline: Baseline | None
    ) -> Observer | None:
        assert baseline is not None
        EVENTS.append(f"observer(baseline rows={baseline.profile.rows})")
        counter = RowCounter("primary")
        quantiles = baseline.profile.column("x").quantiles(
            [i / params.bins for i in range(params.bins + 1)]
        )
        counter.edges = [q for q in quantiles if q is not None]
        assert isinstance(baseline.observer, RowCounter) and baseline.observer.rows > 0
        return counter

    def finalize(self, ctx: AgentContext[BinsParams]) -> AgentOutput:
        assert isinstance(ctx.observer, RowCounter) and ctx.baseline is not None
        ids = IdSequence("drift")
        return AgentOutput(
            agent_id=self.agent_id,
            agent_name=self.agent_name,
            summary_metrics={
                "primary_rows": ctx.observer.rows,
                "edges": ctx.observer.edges,
                "first_rows": ctx.observer.first_rows,
            },
            findings=Findings(
                alerts=(Alert(ids.alert("x"), self.agent_id, Severity.HIGH, "drift", "m", "r"),)
            ),
        )


class Reader(ProfileAgent[BinsParams]):
    """Reads what the agents before it published."""

    agent_id = "reader"
    agent_name = "Reader"
    params_type = BinsParams

    def finalize(self, ctx: AgentContext[BinsParams]) -> AgentOutput:
        seen = {
            agent_id: (p.status.value, [a.alert_id for a in p.findings.alerts])
            for agent_id, p in ctx.earlier.items()
        }
        return AgentOutput(self.agent_id, self.agent_name, summary_metrics={"seen": seen})


class Broken(ProfileAgent[BinsParams]):
    agent_id = "broken"
    agent_name = "Broken"
    params_type = BinsParams

    def observer(
        self, params: BinsParams, columns: Sequence[str], baseline: Baseline | None
    ) -> Observer | None:
        class Explodes(RowCounter):
            def consume(self, batch: CsvBatch) -> None:
                raise RuntimeError("observer bug")

        return Explodes("broken")

    def finalize(self, ctx: AgentContext[BinsParams]) -> AgentOutput:
        raise AssertionError("never finalized: its observer failed")


AGENTS: dict[str, ProfileAgent[Any]] = {
    a.agent_id: a for a in (DriftLike(), Reader(), Broken(), UnifiedProfilerAgent())
}


def csv(rows: int, offset: float = 0.0) -> bytes:
    return ("x,y\n" + "".join(f"{i + offset},{i % 3}\n" for i in range(rows))).encode()


def run(requests: list[AgentRequest], baseline: bytes | None = b"", **kw: Any):  # type: ignore[no-untyped-def]
    EVENTS.clear()
    return run_profile_agents(
        chunked(csv(250, 1000.0), 512),
        requests,
        baseline=chunked(baseline if baseline else csv(100), 512) if baseline is not None else None,
        batch_rows=100,
        agents=AGENTS,
        **kw,
    )


def test_baseline_is_read_first_and_observers_get_its_finished_profile() -> None:
    progress: list[int] = []
    result = run(
        [AgentRequest("drift-like", {"bins": 2}), AgentRequest("reader")],
        progress=lambda rows, done: progress.append(done),
    )
    drift, reader = result.outputs
    assert drift.status is AgentStatus.SUCCESS, drift.error
    assert EVENTS[0] == "baseline_observer"
    assert EVENTS.index("observer(baseline rows=100)") > EVENTS.index("baseline:0")
    assert all(
        e.startswith("primary") for e in EVENTS[EVENTS.index("observer(baseline rows=100)") + 1 :]
    )
    assert drift.summary_metrics["primary_rows"] == 250
    assert drift.summary_metrics["first_rows"] == [0, 100, 200]
    assert drift.summary_metrics["edges"] == [0.0, 49.5, 99.0]  # baseline quantiles, not primary
    assert result.baseline is not None and result.baseline.rows == 100
    assert progress == sorted(progress)  # bytes over both files, baseline first
    assert reader.summary_metrics["seen"] == {"drift-like": ("success", ["alert_drift_x"])}


def test_earlier_means_finalized_before_in_request_order() -> None:
    result = run([AgentRequest("reader"), AgentRequest("drift-like")])
    assert result.outputs[0].summary_metrics["seen"] == {}


def test_failures_stay_with_their_agent() -> None:
    result = run(
        [
            AgentRequest("broken"),
            AgentRequest("nope"),
            AgentRequest("reader", {"unknown": 1}),
            AgentRequest("unified-profiler"),
            AgentRequest("drift-like"),
        ],
        baseline=None,
    )
    codes = {
        o.agent_id: (o.status.value, o.error.code if o.error else None) for o in result.outputs
    }
    assert codes == {
        "broken": ("error", "AGENT_FAILED"),
        "nope": ("error", "AGENT_NOT_IMPLEMENTED"),
        "reader": ("error", "AGENT_PARAMETERS_INVALID"),
        "unified-profiler": ("success", None),
        "drift-like": ("skipped", "BASELINE_REQUIRED"),
    }
    assert result.baseline is None and "baseline_observer" not in EVENTS


def test_an_unreadable_baseline_fails_only_the_agents_that_use_it() -> None:
    result = run(
        [AgentRequest("drift-like"), AgentRequest("unified-profiler")],
        baseline=b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
    )
    drift, profiler = result.outputs
    assert drift.error is not None and drift.error.code == "INVALID_BASELINE"
    assert "INVALID_FILE_FORMAT" in drift.error.message and "PNG" in drift.error.message
    assert profiler.ok and result.primary.rows == 250


def test_no_baseline_pass_when_no_selected_agent_uses_it() -> None:
    result = run([AgentRequest("unified-profiler")])
    assert result.baseline is None
    assert result.outputs[0].execution_time_ms >= 0


def test_observer_state_merges() -> None:
    a, b = RowCounter("a", 3, [0]), RowCounter("b", 2, [3])
    a.merge(b)
    assert (a.rows, a.first_rows) == (5, [0, 3])
    assert isinstance(a, Observer)


def test_uses_baseline() -> None:
    assert uses_baseline(["unified-profiler", "drift-like"], AGENTS)
    assert not uses_baseline(["unified-profiler", "reader", "unknown"], AGENTS)
    assert not uses_baseline(["unified-profiler"])  # no implemented agent reads it yet
