"""The cleaning framework's interface (clean-my-data). Read this first.

Layout (decision of branch issue-8-chain)
    analysis_service/cleaning/model.py      this interface (stable)
    analysis_service/cleaning/chain.py      the chain runner (passes, sinks, accounting)
    analysis_service/cleaning/spool.py      the passes' local Arrow spools, removal logs
    analysis_service/cleaning/runner.py     the use case: chain, then every agent's result
    analysis_service/cleaning/registry.py   agent id -> CleaningAgent instance
    analysis_service/cleaning/agents/<agent_id with _>/
        __init__.py   the agent class (a CleaningAgent subclass)
        params.py     frozen AgentParams dataclass, one field per catalog
                      parameter of dqcommon/tools/clean_tool.py (same name,
                      type, default; tests/unit/cleaning checks it)
        rules.py      rules as data (names used in ``Change.rule`` /
                      ``Removed.rule``), thresholds from params
        output.py     the upstream result tree (frontend-contract §6.6-6.13)

Rows and row numbers
    A :class:`CleanBatch` is a ``frame`` (one pandas ``string`` column per
    current column, nulls are NA, values are the file's text) plus
    ``row_index``: for every frame row, its 0-based data row in the ORIGINAL
    file (never renumbered, whatever earlier agents removed). Every report,
    change and removal names rows by that ``row_index``; the quarantine
    file's ``_row_number`` is ``row_index + 1``.

A data-changing agent (``kind = AgentKind.TRANSFORM``), as the chain calls it
    1. ``params = agent.parse_params(raw)`` (typed; catalog-validated before).
    2. Statistics pass over ITS OWN input: ``obs = agent.observer(params,
       columns)``; when not None the chain reads the previous agent's
       spooled output (the input itself for the first agent) and feeds
       ``obs.consume(batch)`` every batch of this agent's input, in file
       order. ``obs`` must stay bounded in memory (sketches, counters,
       bounded samples, row hashes of fixed size; say in the README what it
       costs per row).
    3. ``plan = agent.plan(params, columns, obs)``: everything ``apply``
       needs, decided from the whole input (most frequent spelling, column
       types, fences, imputation values, which duplicate rows go and who
       survives ...). ``agent.output_columns(plan, columns)`` says which
       columns leave this agent (default: unchanged; drop_column removes).
    4. Every pass that applies the agent (its own application pass, whose
       output is the next agent's input) calls
       ``app = agent.applier(plan)`` ONCE per pass, then
       ``app.apply(batch)`` for every batch in file order, then
       ``app.flush()`` at the end. An applier may carry state across the
       batches of ONE pass (forward fill's last value) and may hold rows
       back (backward fill) as long as it is bounded and eventually returns
       every row exactly once, kept or removed, in file order. Each call
       returns a :class:`BatchResult`:
         * ``kept``     the rows that go on, values possibly changed;
         * ``changes``  :class:`Change` records: rule, column, the row_index
                        of each changed cell with its before/after text;
         * ``removed``  :class:`Removed` records: row_index, rule, reason
                        (a duplicate's reason names the surviving row:
                        "duplicate of row 12"; rule ids are the agent's).
       The chain checks that ``kept`` and ``removed`` together hold exactly
       the rows given (so far) and raises CLEANING_ROWS_LOST otherwise.
       A cell becomes null only when the agent's parameters asked for it.
    5. ``agent.finalize(ctx)`` with a :class:`CleanContext` (params,
       overrides, plan, observer, the chain's :class:`AgentTally` of what
       apply really did in its application pass, the published results of
       earlier agents) builds the :class:`~analysis_service.agents.base.AgentOutput`
       (summary_metrics, data per §6, findings in the shared vocabulary of
       analysis_service/findings). A result's ``cleaned_file`` is not put in
       the tree: the cleaned CSV is one output of the whole chain.

Meta agents
    ``AgentKind.PREVIEW`` (cleanse-previewer) writes nothing: the chain
    makes the chain's applications a dry run: the last agent's output is
    spooled as well, ``ctx.preview`` = the :class:`AgentTally` per
    transform of that dry run, fixed before the cleaned CSV is written from
    the spool; a test checks the prediction equals the written files. ``AgentKind.VERIFY``
    (cleanse-writeback) runs after the outputs are written: ``ctx.outputs``
    holds the local paths of the real cleaned and quarantine CSVs, which it
    re-reads, and ``ctx.input_rows`` / ``ctx.input_columns`` the real input
    counts; its params ``agent_manifests`` / ``original_row_count`` /
    ``original_column_count`` are filled by the chain.

The chain runner contract (cleaning/chain.py)
    * Agents run in the tool's declared order (clean_tool.py), whatever the
      request's order; an agent listed twice runs once. The report says
      which order ran (``metadata.agents_executed``).
    * Passes: the source is read once and spooled (feeding the first
      agent's statistics); each agent is then applied once to the previous
      agent's spooled output, its kept rows spooled for (and observed by)
      the next agent, the last agent's rows written to the cleaned CSV (with the
      previewer: spooled, then written once the prediction is fixed); the
      quarantine CSV from the spooled originals. Memory is
      bounded by the batch size, the observers and the appliers' buffers,
      never by the file.
    * Accounting: rows_in = rows_cleaned + rows_quarantined, checked at the
      end of the writing pass (CLEANING_ROWS_LOST otherwise).
    * Quarantine record (:data:`QUARANTINE_COLUMNS`): the ORIGINAL file's
      columns with the ORIGINAL values of the row, then ``_row_number``
      (row_index + 1), ``_agent`` (agent id), ``_rule``, ``_reason``.
    * An agent whose plan or apply raises fails the whole chain (a chain
      with a hole would write a file nobody asked for): error code
      CLEANING_AGENT_FAILED naming it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis_service.agents.base import AgentOutput, Published
from analysis_service.agents.params import AgentParams

P = TypeVar("P", bound=AgentParams)

#: Columns the quarantine CSV adds after the original file's columns.
QUARANTINE_COLUMNS: tuple[str, ...] = ("_row_number", "_agent", "_rule", "_reason")

#: How many before/after examples the tally keeps per (rule, column).
MAX_EXAMPLES = 20


class AgentKind(Enum):
    TRANSFORM = "transform"  # changes data (quarantine, type, standardise, dedup, nulls, outliers)
    PREVIEW = "preview"  # predicts, writes nothing (cleanse-previewer)
    VERIFY = "verify"  # checks the written outputs (cleanse-writeback)


@dataclass(frozen=True)
class CleanBatch:
    """Consecutive rows of one agent's input (see the module docstring)."""

    frame: pd.DataFrame
    row_index: npt.NDArray[np.int64]

    def __post_init__(self) -> None:
        if len(self.frame) != len(self.row_index):
            raise ValueError("frame and row_index differ in length")

    @property
    def num_rows(self) -> int:
        return len(self.frame)

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    def take(self, mask: npt.NDArray[np.bool_]) -> CleanBatch:
        """The rows where ``mask`` is true (order kept)."""
        return CleanBatch(self.frame[mask].reset_index(drop=True), self.row_index[mask])

    @classmethod
    def empty(cls, columns: Sequence[str]) -> CleanBatch:
        frame = pd.DataFrame({c: pd.array([], dtype="string") for c in columns})
        return cls(frame, np.empty(0, dtype=np.int64))


@dataclass(frozen=True)
class Change:
    """Cells of one column changed by one rule in one batch: ``row_index``
    (original rows), the text ``before`` and ``after`` (None = null)."""

    rule: str
    column: str
    row_index: npt.NDArray[np.int64]
    before: Sequence[str | None]
    after: Sequence[str | None]

    @property
    def cells(self) -> int:
        return len(self.row_index)


@dataclass(frozen=True)
class Removed:
    """Rows removed by one rule in one batch, with one reason per row."""

    rule: str
    row_index: npt.NDArray[np.int64]
    reasons: Sequence[str]

    @property
    def rows(self) -> int:
        return len(self.row_index)


@dataclass(frozen=True)
class BatchResult:
    kept: CleanBatch
    changes: tuple[Change, ...] = ()
    removed: tuple[Removed, ...] = ()


@runtime_checkable
class StatsObserver(Protocol):
    """Bounded statistics over one agent's input."""

    def consume(self, batch: CleanBatch) -> None: ...


class Applier(Protocol):
    """One pass's application of a plan (fresh per pass)."""

    def apply(self, batch: CleanBatch) -> BatchResult: ...

    def flush(self) -> BatchResult | None: ...


class StatelessApplier:
    """Base for appliers that return every row of a batch at once."""

    def flush(self) -> BatchResult | None:
        return None


@dataclass
class RuleTally:
    """What one (rule, column) did over the writing pass. ``column`` is
    "" for a rule that removes whole rows."""

    agent: str
    rule: str
    column: str
    cells: int = 0
    rows: int = 0
    nulled: int = 0  # cells this rule turned into null (before text, after None)
    filled: int = 0  # null cells this rule gave a value
    examples: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            "rule": self.rule,
            "column": self.column or None,
            "cells_affected": self.cells,
            "rows_affected": self.rows,
            "cells_nulled": self.nulled,
            "cells_filled": self.filled,
            "examples": list(self.examples),
        }


@dataclass
class AgentTally:
    """What an applier really did over one pass, kept by the chain."""

    agent: str
    rows_in: int = 0
    rows_out: int = 0
    rows_removed: int = 0
    cells_changed: int = 0
    rows_changed: int = 0
    columns_in: tuple[str, ...] = ()
    columns_out: tuple[str, ...] = ()
    rules: dict[tuple[str, str], RuleTally] = field(default_factory=dict)
    removed_examples: list[dict[str, Any]] = field(default_factory=list)

    def rule(self, rule: str, column: str) -> RuleTally:
        key = (rule, column)
        if key not in self.rules:
            self.rules[key] = RuleTally(self.agent, rule, column)
        return self.rules[key]

    def counts(self) -> dict[str, int]:
        """The numbers a preview must predict."""
        return {
            "rows_in": self.rows_in,
            "rows_out": self.rows_out,
            "rows_removed": self.rows_removed,
            "cells_changed": self.cells_changed,
            "rows_changed": self.rows_changed,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "agent": self.agent,
            **self.counts(),
            "columns_before": len(self.columns_in),
            "columns_after": len(self.columns_out),
            "columns_removed": [c for c in self.columns_in if c not in self.columns_out],
            "transformations": [t.to_dict() for t in self.rules.values()],
        }


@dataclass(frozen=True)
class ChainOutputs:
    """The written outputs as the VERIFY agent sees them (local copies of
    exactly the bytes stored)."""

    cleaned_csv: Path
    quarantine_csv: Path
    cleaned_columns: tuple[str, ...]
    original_columns: tuple[str, ...]


@dataclass(frozen=True)
class CleanContext(Generic[P]):
    """Everything ``finalize`` may use."""

    params: P
    columns_in: tuple[str, ...]
    overrides: Mapping[str, Any] | None = None
    plan: Any = None
    observer: StatsObserver | None = None
    tally: AgentTally | None = None
    earlier: Mapping[str, Published] = field(default_factory=dict)
    preview: Mapping[str, AgentTally] | None = None
    outputs: ChainOutputs | None = None
    input_rows: int = 0
    input_columns: int = 0
    executed: tuple[str, ...] = ()
    tallies: Mapping[str, AgentTally] = field(default_factory=dict)
    #: VERIFY: nulls per original column in the whole input, and in the
    #: original values of the quarantined rows (so the kept rows had
    #: ``input_nulls - quarantined_nulls`` before any agent touched them).
    input_nulls: Mapping[str, int] = field(default_factory=dict)
    quarantined_nulls: Mapping[str, int] = field(default_factory=dict)
    #: VERIFY: every agent's result dict (AgentOutput.to_dict()) by id, in
    #: the order they ran; also put into the params' ``agent_manifests``.
    manifests: Mapping[str, Any] = field(default_factory=dict)
    source_name: str = ""

    def parameter_echo(self) -> dict[str, Any]:
        defaults = type(self.params).defaults()
        return {
            "defaults": defaults,
            "overrides": {name: (self.overrides or {}).get(name) for name in defaults},
            "parameters": self.params.to_dict(),
        }


class CleaningAgent(ABC, Generic[P]):
    """A clean-my-data agent (see the module docstring for the calls)."""

    agent_id: ClassVar[str]
    agent_name: ClassVar[str]  # upstream's result agent_name, e.g. "Quarantine Agent"
    params_type: ClassVar[type[AgentParams]]
    kind: ClassVar[AgentKind] = AgentKind.TRANSFORM

    def parse_params(self, raw: Mapping[str, Any] | None) -> P:
        params: P = self.params_type.from_mapping(raw)  # type: ignore[assignment]
        return params

    def observer(self, params: P, columns: Sequence[str]) -> StatsObserver | None:
        """State for the statistics pass over this agent's input (None: no pass)."""
        return None

    def plan(self, params: P, columns: Sequence[str], observer: StatsObserver | None) -> Any:
        """The decisions ``apply`` needs, from the whole input."""
        return None

    def output_columns(self, plan: Any, columns: Sequence[str]) -> tuple[str, ...]:
        return tuple(columns)

    def applier(self, plan: Any) -> Applier:
        """A fresh applier for one pass (TRANSFORM agents must override)."""
        raise NotImplementedError(f"{self.agent_id} does not change data")

    @abstractmethod
    def finalize(self, ctx: CleanContext[P]) -> AgentOutput:
        """The agent's result (raises on failure)."""
