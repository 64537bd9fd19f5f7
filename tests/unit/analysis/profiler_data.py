"""Generated files for the unified-profiler tests (each column exercises one
alert kind; the expected numbers are computed by pandas in the tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def alert_kinds_frame(rng: np.random.Generator, n: int = 2_000) -> pd.DataFrame:
    skewed = np.ones(n)
    skewed[7] = 1e6
    imbalanced = np.where(rng.random(n) < 0.97, "a", rng.choice(["b", "c", "d"], n))
    mixed = rng.integers(0, 500, n).astype(str).astype(object)
    mixed[[10, 20, n * 3 // 4]] = ["unknown", "lots", "?x"]
    infinite = rng.normal(10, 2, n).round(3).astype(str).astype(object)
    infinite[[3, 4]] = ["inf", "-Infinity"]
    frame = pd.DataFrame(
        {
            "id": np.arange(n),
            "constant": ["x"] * n,
            "zeros": np.where(rng.random(n) < 0.3, 0, rng.integers(1, 9, n)),
            "infinite": infinite,
            "skewed": skewed,
            "category": imbalanced,
            "free_text": [f"note {i} {rng.integers(0, 10**9)}" for i in range(n)],
            "mixed": mixed,
            "email": [f"user{i}@example.com" for i in range(n)],
            "mostly_null": np.where(rng.random(n) < 0.6, None, "v"),
            "some_null": np.where(rng.random(n) < 0.05, None, rng.normal(0, 1, n).round(4)),
            "amount": np.round(rng.lognormal(3, 1, n), 2),
        }
    )
    frame.loc[5, "mostly_null"] = None  # row 5 is null there for certain
    return frame


def with_duplicates(frame: pd.DataFrame, rows: list[int]) -> pd.DataFrame:
    """Appends copies of ``rows`` (identical in every column)."""
    return pd.concat([frame, frame.iloc[rows]], ignore_index=True)


def to_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()
