"""The integrity checks over the re-read outputs, one function per check.

Each returns a :class:`Check`: the contract's fields (§6.13) plus ours
(``details`` one line for people, per-column numbers) and the failures
behind a failed check, each naming its column (or "global").

* accounting (always run): rows_in = rows in the cleaned CSV + rows in the
  quarantine CSV, every quarantine ``_row_number`` distinct and within
  1..rows_in, the quarantined rows per agent equal to what each agent's
  tally removed, headers as the chain declared, no ragged row. The cleaned
  file carries no row numbers, so "each input row exactly once" is proven
  by the count identity plus distinct in-range quarantine numbers.
* no_new_nulls, per column present in the input: the kept rows had
  ``input_nulls - quarantined_nulls`` nulls before any agent; each agent's
  tally says how many cells of the column it nulled and filled, so
  ``expected = kept + nulled - filled``. That is exact unless a later agent
  removed a row an earlier one had changed: a fill in a row removed later
  leaves one null more in the file than ``expected``. Each fill rule may
  therefore explain up to ``min(filled, rows removed by later agents)``
  extra nulls (``tolerance``); a column fails only with more nulls than
  ``expected + tolerance``, and the excess is its ``unexplained_nulls``.
  Fewer nulls than expected passes (a nulled cell whose row went later).
  Without the input's null counts the check fails (it cannot tell).
  ``columns_with_high_nulls`` lists the failing columns (with their
  unexplained count), not upstream's columns above 80 % nulls.
* numeric / datetime type integrity: see :func:`numeric_type_integrity`.
* no_new_duplicates: no full-row duplicate in the cleaned file (exact).
* data_retention: rows kept >= MIN_ROW_RETENTION % of the original rows,
  and every original column present unless an agent was asked to drop it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis_service.cleaning.agents.cleanse_writeback.check_model import (
    Check,
    Failure,
    TypeTargets,
)
from analysis_service.cleaning.agents.cleanse_writeback.reread import (
    CleanedScan,
    ColumnScan,
    QuarantineScan,
)
from analysis_service.cleaning.agents.cleanse_writeback.rules import MIN_ROW_RETENTION
from analysis_service.cleaning.agents.cleanse_writeback.values import (
    DATETIME_TARGETS,
    NUMERIC_TARGETS,
)
from analysis_service.cleaning.model import AgentTally
from analysis_service.cleaning.output import percent

_INFERRED = {"integer": "finite numbers", "datetime": "real dates"}


def _row(pos: int) -> str:
    return f"data row {pos + 1}"


def accounting(
    rows_in: int,
    cleaned: CleanedScan,
    quarantine: QuarantineScan,
    tallies: Sequence[AgentTally],
    expected_cleaned: Sequence[str],
) -> Check:
    holds = rows_in == cleaned.rows + quarantine.rows and quarantine.row_numbers_ok
    failures: list[Failure] = []
    if rows_in != cleaned.rows + quarantine.rows:
        failures.append(
            Failure(
                "global",
                "row_count_mismatch",
                f"{rows_in} rows in, {cleaned.rows} cleaned + {quarantine.rows} quarantined "
                f"= {cleaned.rows + quarantine.rows}",
                {"original_count": rows_in, "final_count": cleaned.rows + quarantine.rows},
            )
        )
    if not quarantine.row_numbers_ok:
        failures.append(Failure("global", "quarantine_row_numbers", "; ".join(quarantine.examples)))
    for t in tallies:
        written = quarantine.by_agent.get(t.agent, 0)
        if written != t.rows_removed:
            failures.append(
                Failure(
                    "global",
                    "quarantine_per_agent",
                    f"{t.agent} removed {t.rows_removed} row(s), the quarantine file holds "
                    f"{written} of its rows",
                )
            )
    if not cleaned.header_matches or cleaned.header != list(expected_cleaned):
        failures.append(
            Failure("global", "header_mismatch", "the cleaned header is not the chain's columns")
        )
    if not quarantine.header_matches:
        failures.append(
            Failure("global", "header_mismatch", "the quarantine header is not the original one")
        )
    if cleaned.ragged_rows:
        failures.append(
            Failure(
                "global",
                "ragged_rows",
                f"{cleaned.ragged_rows} row(s) do not have {len(cleaned.header)} fields "
                f"(first: {', '.join(_row(p) for p in cleaned.ragged_examples)})",
            )
        )
    fields = {
        "rows_in": rows_in,
        "rows_cleaned": cleaned.rows,
        "rows_quarantined": quarantine.rows,
        "holds": holds,
        "quarantine_row_numbers_valid": quarantine.row_numbers_ok,
        "quarantined_by_agent": dict(quarantine.by_agent),
        "issues": [f.to_dict() for f in failures],
    }
    details = f"{rows_in} in = {cleaned.rows} cleaned + {quarantine.rows} quarantined"
    if failures:
        message = "Row accounting failed: " + "; ".join(f.details for f in failures)
    else:
        message = f"Every input row is accounted for ({details})"
    return Check("accounting", not failures, message, details, fields, tuple(failures))


def _type_failures(
    scan: CleanedScan, columns: Sequence[str], types: TypeTargets, kinds: Sequence[str]
) -> tuple[list[Failure], list[dict[str, Any]]]:
    """Failures of the target columns (within type-fixer's allowance) and of
    the inferred ones (numbers: NaN/inf; dates: shaped but not real)."""
    failures: list[Failure] = []
    per_column: list[dict[str, Any]] = []
    pooled = types.pooled
    for c in columns:
        s: ColumnScan = scan.columns[c]
        target = types.targets.get(c)
        if target in kinds:
            count, examples = s.failures, [(p, v, why) for p, v, why in s.failure_examples]
            if c in types.allowed:
                allowed = types.allowed[c]
            else:
                allowed, pooled = pooled, max(pooled - s.failures, 0)
        elif "datetime" in kinds:
            count, examples, allowed = (
                s.invalid_dates,
                [(p, v, "no such date") for p, v in s.invalid_date_examples],
                0,
            )
        else:
            count, examples, allowed = (
                s.non_finite,
                [(p, v, "not finite (NaN or infinity)") for p, v in s.non_finite_examples],
                0,
            )
        per_column.append(
            {
                "column": c,
                "target_type": target or "inferred",
                "values_failing": count,
                "reported_by_type_fixer": allowed,
            }
        )
        if count > allowed:
            shown = ", ".join(f"{v!r} at {_row(p)} ({why})" for p, v, why in examples)
            failures.append(
                Failure(
                    c,
                    "type_round_trip_failed" if target else "invalid_values",
                    f"{count} value(s) in {c!r} do not re-read as {target or _INFERRED[kinds[0]]}"
                    + (f" ({allowed} reported unconverted by type-fixer)" if allowed else "")
                    + f"; first: {shown}",
                    {"values_failing": count, "unexplained": count - allowed},
                )
            )
    return failures, per_column


def _type_check(key: str, scan: CleanedScan, columns: list[str], types: TypeTargets) -> Check:
    kinds = NUMERIC_TARGETS if key == "numeric_type_integrity" else DATETIME_TARGETS
    failures, per_column = _type_failures(scan, columns, types, kinds)
    what = "numeric" if key == "numeric_type_integrity" else "date/datetime"
    fields = {
        "columns_checked": len(columns),
        "issues_found": len(failures),
        "issues": [f.to_dict() for f in failures],
        "columns": per_column,
        "types_from": types.source,
    }
    details = f"{len(columns)} {what} column(s) re-read; {len(failures)} failing"
    if failures:
        message = f"{what.capitalize()} values that do not round-trip in: " + ", ".join(
            f.column for f in failures
        )
    else:
        message = f"All {what} values re-read as their type ({len(columns)} column(s))"
    return Check(key, not failures, message, details, fields, tuple(failures))


def numeric_type_integrity(scan: CleanedScan, types: TypeTargets) -> Check:
    """Columns type-fixer made integer, float or boolean must re-read as
    such for every non-null value, except as many as type-fixer reported it
    could not convert (it keeps them). Any other column whose every value is
    a number is checked for NaN and infinities."""
    columns = [
        c
        for c, s in scan.columns.items()
        if types.targets.get(c) in NUMERIC_TARGETS
        or (c not in types.targets and s.types.non_null and s.types.float64)
    ]
    return _type_check("numeric_type_integrity", scan, columns, types)


def datetime_type_integrity(scan: CleanedScan, types: TypeTargets) -> Check:
    """Columns type-fixer made datetime must re-read as dates (same
    allowance); any other column whose values are mostly date-shaped must
    hold real dates only (no 2024-02-30)."""
    columns = [
        c
        for c, s in scan.columns.items()
        if types.targets.get(c) in DATETIME_TARGETS
        or (c not in types.targets and s.date_shaped * 2 > s.types.non_null > 0)
    ]
    return _type_check("datetime_type_integrity", scan, columns, types)


def no_new_nulls(
    scan: CleanedScan,
    input_nulls: Mapping[str, int],
    quarantined_nulls: Mapping[str, int],
    tallies: Sequence[AgentTally],
) -> Check:
    removed_after = [sum(t.rows_removed for t in tallies[i + 1 :]) for i in range(len(tallies))]
    cells = scan.rows * len(scan.columns)
    total = sum(s.nulls for s in scan.columns.values())
    per_column: dict[str, dict[str, int]] = {}
    failures: list[Failure] = []
    for c, s in scan.columns.items():
        if c not in input_nulls:
            continue
        kept = input_nulls[c] - quarantined_nulls.get(c, 0)
        nulled = filled = tolerance = 0
        for i, t in enumerate(tallies):
            for rule in t.rules.values():
                if rule.column == c:
                    nulled += rule.nulled
                    filled += rule.filled
                    tolerance += min(rule.filled, removed_after[i])
        expected = kept + nulled - filled
        unexplained = max(s.nulls - expected - tolerance, 0)
        per_column[c] = {
            "nulls_in_input": input_nulls[c],
            "nulls_in_quarantined_rows": quarantined_nulls.get(c, 0),
            "nulled_by_agents": nulled,
            "filled_by_agents": filled,
            "expected_nulls": expected,
            "tolerance": tolerance,
            "nulls_after": s.nulls,
            "unexplained_nulls": unexplained,
        }
        if unexplained:
            failures.append(
                Failure(
                    c,
                    "new_nulls",
                    f"{c!r} has {s.nulls} null(s), {expected} expected"
                    + (f" (+{tolerance} tolerated)" if tolerance else "")
                    + f": {unexplained} null(s) no agent accounts for",
                    {
                        "null_percentage": percent(s.nulls, scan.rows, empty=0.0),
                        "null_count": s.nulls,
                        "unexplained_nulls": unexplained,
                        "expected_nulls": expected,
                    },
                )
            )
    if not input_nulls and scan.columns:
        failures.append(
            Failure(
                "global",
                "no_input_counts",
                "the run gave no null counts of the input: new nulls cannot be told apart",
            )
        )
    fields = {
        "total_nulls": total,
        "null_percentage": percent(total, cells, empty=0.0),
        "columns_with_high_nulls": [
            {"column": f.column, **{k: f.extras[k] for k in ("null_percentage", "null_count")}}
            | {"unexplained_nulls": f.extras["unexplained_nulls"]}
            for f in failures
            if f.issue == "new_nulls"
        ],
        "columns": per_column,
    }
    details = f"{total} null cell(s) ({fields['null_percentage']}%) in {len(per_column)} column(s)"
    if failures:
        message = "New nulls no agent accounts for: " + "; ".join(f.details for f in failures)
    else:
        message = "No column has more nulls than the input and the agents' changes explain"
    return Check("no_new_nulls", not failures, message, details, fields, tuple(failures))


def no_new_duplicates(scan: CleanedScan) -> Check:
    dup = scan.duplicates
    count = dup.duplicates if dup else 0
    examples = [{"row": p + 1, "duplicate_of": q + 1} for p, q in (dup.examples if dup else ())]
    fields = {
        "duplicate_count": count,
        "duplicate_percentage": percent(count, scan.rows, empty=0.0),
        "total_rows": scan.rows,
        "examples": examples,
        "spilled_runs": dup.spilled_runs if dup else 0,
    }
    details = f"{count} full-row duplicate(s) in {scan.rows} row(s)"
    failures: tuple[Failure, ...] = ()
    if count:
        shown = ", ".join(f"data row {e['row']} repeats {e['duplicate_of']}" for e in examples)
        failures = (
            Failure("global", "duplicate_rows", f"{details}; {shown}", {"duplicate_count": count}),
        )
        message = f"The cleaned file holds {count} full-row duplicate(s): {shown}"
    else:
        message = "No full-row duplicates in the cleaned file"
    return Check("no_new_duplicates", not count, message, details, fields, failures)


def data_retention(
    scan: CleanedScan,
    original_rows: int,
    original_columns: int,
    original_names: Sequence[str],
    dropped: Sequence[str],
) -> Check:
    rows, columns = scan.rows, len(scan.header)
    row_pct = percent(rows, original_rows)
    missing = [c for c in original_names if c not in scan.columns and c not in dropped]
    failures: list[Failure] = []
    issues: list[dict[str, Any]] = []
    if row_pct < MIN_ROW_RETENTION:
        text = f"{row_pct}% of the rows remain, below {MIN_ROW_RETENTION:g}%"
        issues.append(
            {
                "type": "row_loss",
                "original": original_rows,
                "current": rows,
                "loss_count": original_rows - rows,
                "retention_percentage": row_pct,
                "message": text,
            }
        )
        failures.append(
            Failure(
                "global",
                "row_loss",
                text,
                {"original_count": original_rows, "final_count": rows},
            )
        )
    for c in missing:
        text = f"column {c!r} is missing and no agent was asked to drop it"
        issues.append(
            {
                "type": "column_loss",
                "original": original_columns,
                "current": columns,
                "loss_count": 1,
                "retention_percentage": percent(columns, original_columns),
                "message": text,
                "column": c,
            }
        )
        failures.append(
            Failure(
                c, "column_loss", text, {"original_count": original_columns, "final_count": columns}
            )
        )
    fields = {
        "row_retention_percentage": row_pct,
        "column_retention_percentage": percent(columns, original_columns),
        "current_rows": rows,
        "current_columns": columns,
        "original_rows": original_rows,
        "original_columns": original_columns,
        "columns_dropped_on_request": list(dropped),
        "issues": issues,
    }
    details = f"{rows} of {original_rows} rows, {columns} of {original_columns} columns"
    if failures:
        message = "Data retention failed: " + "; ".join(f.details for f in failures)
    else:
        message = f"Retention within limits ({details})"
    return Check("data_retention", not failures, message, details, fields, tuple(failures))
