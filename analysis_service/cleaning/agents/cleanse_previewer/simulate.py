"""What one step would do: a selected transform agent (from the chain's
dry run, exact) or a user's preview rule (from the input's per-column
null counts, exact for the rule types listed in :data:`SIMULATED`; the
other types get upstream's error form).

Unlike upstream, the selected agents are previewed as the chain runs them:
each agent's original/preview metrics are ITS input and output (the
earlier agents already applied). The user's rules are simulated one by one
on the original file, as upstream does.

What the dry run's bounded tallies cannot know is said, not guessed:
* ``memory_mb`` is an estimate (:data:`BYTES_PER_CELL` per cell);
* ``null_count_change`` counts the cells the agent nulls or fills; nulls
  leaving with removed rows are not counted (the pass keeps no per-row
  null counts), ``null_count_change_exact`` says whether that mattered;
* ``unique_count_change`` is null (unique counts need a pass of their own).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis_service.cleaning.model import AgentTally
from analysis_service.cleaning.output import percent

#: Estimated bytes per text cell held by pandas (object pointer + a short str).
BYTES_PER_CELL = 64
MEMORY_NOTE = f"estimate: rows x columns x {BYTES_PER_CELL} bytes, not measured"
UNIQUE_NOTE = "unique counts are not computed in bounded memory (null)"
#: User rule types simulated exactly from the input's null counts.
SIMULATED = ("drop_columns", "drop_nulls (one target column)", "impute_nulls (constant)")


def memory_mb(rows: int, columns: int) -> float:
    return round(rows * columns * BYTES_PER_CELL / 2**20, 4)


@dataclass
class Simulation:
    rule_id: str
    rule_type: str
    description: str
    rows_in: int
    rows_out: int
    columns_in: tuple[str, ...]
    columns_out: tuple[str, ...]
    log: list[str] = field(default_factory=list)
    #: column -> (nulls added, nulls removed, cells changed)
    cells: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    #: True when the null changes of kept columns are exactly known
    nulls_exact: bool = True
    predicted: dict[str, int] | None = None
    #: the rule's own target columns (else: the columns changed or removed)
    targets: list[str] | None = None
    #: columns whose null change is exact even when nulls_exact is False
    exact_columns: set[str] = field(default_factory=set)

    @property
    def row_change(self) -> int:
        return self.rows_out - self.rows_in

    @property
    def row_change_percentage(self) -> float:
        return percent(self.row_change, self.rows_in, empty=0.0)

    @property
    def removed_columns(self) -> list[str]:
        return [c for c in self.columns_in if c not in self.columns_out]

    @property
    def target_columns(self) -> list[str]:
        if self.targets is not None:
            return list(self.targets)
        changed = [c for c in self.columns_in if self.cells.get(c, (0, 0, 0))[2] > 0]
        return changed + [c for c in self.removed_columns if c not in changed]

    def column_level_changes(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for c in self.columns_in:
            if c not in self.columns_out:
                out[c] = {"status": "removed"}
                continue
            added, removed, changed = self.cells.get(c, (0, 0, 0))
            change = added - removed
            out[c] = {
                "null_count_change": change,
                "null_percentage_change": percent(change, self.rows_in, empty=0.0),
                "unique_count_change": None,
                "cells_changed": changed,
                "null_count_change_exact": self.nulls_exact or c in self.exact_columns,
            }
        return out

    def metrics(self) -> tuple[dict[str, Any], dict[str, Any]]:
        before = len(self.columns_in)
        after = len(self.columns_out)
        return (
            {
                "total_rows": self.rows_in,
                "total_columns": before,
                "memory_mb": memory_mb(self.rows_in, before),
            },
            {
                "total_rows": self.rows_out,
                "total_columns": after,
                "memory_mb": memory_mb(self.rows_out, after),
            },
        )


def from_tally(tally: AgentTally, description: str) -> Simulation:
    """A selected transform agent, from its tally of the chain's dry run."""
    sim = Simulation(
        rule_id=tally.agent,
        rule_type=tally.agent,
        description=description,
        rows_in=tally.rows_in,
        rows_out=tally.rows_out,
        columns_in=tally.columns_in,
        columns_out=tally.columns_out,
        nulls_exact=tally.rows_removed == 0,
        predicted=tally.counts(),
    )
    for t in tally.rules.values():
        if t.column:
            a, r, c = sim.cells.get(t.column, (0, 0, 0))
            sim.cells[t.column] = (a + t.nulled, r + t.filled, c + t.cells)
            sim.log.append(
                f"{t.rule} in '{t.column}': {t.cells} cell(s) would change "
                f"({t.nulled} to null, {t.filled} filled)"
            )
        else:
            sim.log.append(f"{t.rule}: {t.rows} row(s) would move to quarantine")
    for gone in sim.removed_columns:
        sim.log.append(f"column '{gone}' would be removed")
    if not sim.log:
        sim.log.append("no change predicted")
    sim.log.append(f"predicted by a dry run of the planned chain: {tally.counts()}")
    return sim


class NotSimulated(ValueError):
    """A user rule the preview cannot predict exactly."""


def _targets(rule: Mapping[str, Any], columns: Sequence[str]) -> list[str]:
    targets = rule.get("target_columns") or []
    if isinstance(targets, str):
        targets = [targets]
    if not isinstance(targets, list | tuple) or not targets:
        raise NotSimulated("the rule names no target_columns")
    missing = [str(c) for c in targets if c not in columns]
    if missing:
        raise NotSimulated(f"column(s) not in the file: {', '.join(missing)}")
    return [str(c) for c in targets]


def from_rule(
    number: int,
    rule: Any,
    columns: Sequence[str],
    rows: int,
    nulls: Mapping[str, int],
) -> Simulation:
    """A user preview rule on the original file (raises NotSimulated)."""
    if not isinstance(rule, Mapping):
        raise NotSimulated("a preview rule must be an object")
    kind = str(rule.get("type", ""))
    sim = Simulation(
        rule_id=str(rule.get("rule_id") or f"rule_{number}"),
        rule_type=kind,
        description=str(rule.get("description") or kind),
        rows_in=rows,
        rows_out=rows,
        columns_in=tuple(columns),
        columns_out=tuple(columns),
    )
    if kind == "drop_columns":
        targets = _targets(rule, columns)
        sim.columns_out = tuple(c for c in columns if c not in targets)
        sim.targets = targets
        sim.log.append(f"drop {len(targets)} column(s): {', '.join(targets)}")
        return sim
    if kind not in ("drop_nulls", "impute_nulls"):
        raise NotSimulated(
            f"rule type {kind or '(none)'} is not simulated; the preview predicts the "
            f"selected cleaning agents exactly and simulates only {', '.join(SIMULATED)}"
        )
    targets = _targets(rule, columns)
    unknown = [c for c in targets if c not in nulls]
    if unknown:
        raise NotSimulated(f"no null counts for {', '.join(unknown)}")
    if kind == "drop_nulls":
        if len(targets) != 1:
            raise NotSimulated(
                "rule type drop_nulls over several columns is not simulated: the rows with "
                "a null in any of them need a pass of their own (the preview has per-column "
                "null counts only)"
            )
        (col,) = targets
        sim.rows_out = rows - nulls[col]
        sim.cells[col] = (0, nulls[col], 0)
        sim.nulls_exact = nulls[col] == 0
        sim.targets = [col]
        sim.exact_columns = {col}
        sim.log.append(f"drop {nulls[col]} row(s) with a null in '{col}'")
        return sim
    if rule.get("strategy") != "constant" or rule.get("fill_value") is None:
        raise NotSimulated(
            "rule type impute_nulls is simulated only with strategy constant and a "
            "fill_value (mean, median and mode depend on values the preview does not keep)"
        )
    sim.targets = targets
    for col in targets:
        sim.cells[col] = (0, nulls[col], nulls[col])
        sim.log.append(f"fill {nulls[col]} null(s) in '{col}' with {rule['fill_value']!r}")
    return sim


def error_form(number: int, rule: Any, error: str) -> dict[str, Any]:
    """Upstream's error form of a rule that was not simulated."""
    mapping = rule if isinstance(rule, Mapping) else {}
    kind = str(mapping.get("type", ""))
    return {
        "rule_id": str(mapping.get("rule_id") or f"rule_{number}"),
        "rule_description": str(mapping.get("description") or kind),
        "rule_type": kind,
        "status": "error",
        "error": error,
    }
