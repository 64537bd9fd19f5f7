"""A dirty version of bench/profile_bench's generated CSV, for the
clean-my-data benchmark, written block by block (never whole in memory) and
cached under ``bench/data/`` (git-ignored): the same rows and seed give the
same file, so a second run reuses it.

Each 200,000-row block of :func:`bench.profile_bench.generate_frames` gets,
from its own seeded generator:

* duplicates: 2 % of the rows again as exact copies, 1 % as copies that
  differ in case and spacing only (segment upper-cased, comment with a double
  space, e-mail upper-cased), each placed after its original in the block;
* case and spacing variants of single values (segment, comment, e-mail);
* sentinel nulls: ``n/a``, ``NULL``, ``NA`` and empty (the reader's NA
  tokens) in text and numeric columns, ``-``, ``?`` and ``missing`` (the
  null-handler's placeholders) in numeric columns only;
* outliers in amount, score and quantity;
* type-mixed values: quantity ``5.0`` or ``five``, amount ``$12.50``,
  active ``Yes`` / ``1`` / ``TRUE``;
* dates in several formats (day-first and year-first with slashes,
  ``02 Mar 2021``) beside the generator's ISO dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from bench.profile_bench import generate_frames

#: Bump when the transform changes (cached files carry it in their name).
VERSION = 1
DATA_DIR = Path(__file__).resolve().parent / "data"

#: Placeholder spellings only numeric columns get (pandas needs them as
#: ``na_values``; the reader's NA tokens it knows already).
NUMERIC_SENTINELS = ("-", "?", "missing")
NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _pick(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share


def _text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as the text ``DataFrame.to_csv`` writes (null: empty)."""
    out = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        col = frame[name]
        out[name] = np.where(col.isna(), "", col.astype(str)).astype(object)
    return out


def dirty_block(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One generated block with the defects of the module docstring."""
    f = _text(frame)
    n = len(f)

    def put(column: str, mask: np.ndarray, values: np.ndarray | list[str] | str) -> None:
        f.loc[mask, column] = (
            [str(v) for v in np.asarray(values, dtype=object).ravel()]
            if (not isinstance(values, str))
            else values
        )

    # outliers
    m = _pick(rng, n, 0.002)
    put("amount", m, (frame["amount"].fillna(20)[m] * 1000).round(2).astype(str).to_numpy())
    m = _pick(rng, n, 0.002)
    k = int(m.sum())
    put("score", m, np.round(rng.choice([-1, 1], k) * rng.uniform(20, 50, k), 6))
    m = _pick(rng, n, 0.002)
    put("quantity", m, rng.integers(500, 1000, int(m.sum())).astype(str))
    # type-mixed values
    m = _pick(rng, n, 0.003)
    put("quantity", m, [f"{q}.0" for q in frame["quantity"][m]])
    m = _pick(rng, n, 0.002)
    put("quantity", m, rng.choice(NUMBER_WORDS, int(m.sum())))
    m = _pick(rng, n, 0.002) & frame["amount"].notna().to_numpy()
    put("amount", m, ["$" + f"{a:.2f}" for a in frame["amount"][m]])
    m = _pick(rng, n, 0.02)
    put("active", m, rng.choice(["Yes", "No", "1", "0", "TRUE", "FALSE"], int(m.sum())))
    # dates in several formats
    dates = pd.to_datetime(frame["signup"])
    for share, fmt in ((0.04, "%d/%m/%Y"), (0.03, "%Y/%m/%d"), (0.03, "%d %b %Y")):
        m = _pick(rng, n, share)
        put("signup", m, dates[m].dt.strftime(fmt).to_numpy())
    # case and spacing variants
    m = _pick(rng, n, 0.03)
    put(
        "segment",
        m,
        [
            v.upper() if k == 0 else v.title() if k == 1 else f" {v}  "
            for v, k in zip(f["segment"][m], rng.integers(0, 3, int(m.sum())), strict=True)
        ],
    )
    m = _pick(rng, n, 0.01)
    put("comment", m, f["comment"][m].str.replace(" ", "  ", regex=False).to_numpy())
    m = _pick(rng, n, 0.01)
    put("email", m, f["email"][m].str.upper().to_numpy())
    # sentinel nulls
    for column, share, spellings in (
        ("amount", 0.01, ("n/a", "NULL", "-", "missing")),
        ("quantity", 0.005, ("NA", "-", "?")),
        ("score", 0.003, ("", "NULL", "?")),
        ("segment", 0.01, ("n/a", "")),
        ("comment", 0.005, ("",)),
        ("signup", 0.005, ("n/a",)),
    ):
        m = _pick(rng, n, share)
        put(column, m, rng.choice(spellings, int(m.sum())))
    return _with_duplicates(f, rng)


def _with_duplicates(f: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(f)
    exact = np.flatnonzero(_pick(rng, n, 0.02))
    variant = np.flatnonzero(_pick(rng, n, 0.01))
    copies = f.iloc[exact]
    variants = f.iloc[variant].copy()
    variants["segment"] = variants["segment"].str.upper()
    variants["comment"] = variants["comment"].str.replace(" ", "  ", regex=False)
    variants["email"] = variants["email"].str.upper()
    src = np.concatenate([exact, variant])
    position = np.concatenate(
        [np.arange(n, dtype=float), src + 0.5 + rng.random(len(src)) * (n - src - 0.5)]
    )
    out = pd.concat([f, copies, variants], ignore_index=True)
    return out.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)


def dirty_blocks(rows: int, seed: int = 42) -> Iterator[pd.DataFrame]:
    """The generator's ``rows`` rows, dirtied block by block."""
    for start, frame in generate_frames(rows, seed):
        yield dirty_block(frame, np.random.default_rng([seed, start, VERSION]))


def dirty_csv(rows: int, seed: int = 42, data_dir: Path = DATA_DIR) -> Path:
    """The cached dirty CSV of ``rows`` generated rows (written if absent)."""
    path = data_dir / f"clean_bench_{rows}_s{seed}_v{VERSION}.csv"
    if path.exists():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        for k, block in enumerate(dirty_blocks(rows, seed)):
            block.to_csv(out, index=False, header=k == 0)
    partial.replace(path)
    return path
