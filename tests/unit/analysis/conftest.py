"""Helpers shared by the analysis unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


def chunked(data: bytes, size: int) -> Iterator[bytes]:
    """``data`` cut into pieces of ``size`` bytes, as a network stream would."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
def rng():
    import numpy as np

    return np.random.default_rng(20240611)
