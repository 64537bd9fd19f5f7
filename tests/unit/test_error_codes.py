"""Every error code the code can emit is documented in
protos/dataquality/errors/v1/error_reason.proto (ServiceError checks this
at run time; this test checks the paths that tests may not reach)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dataquality.errors.v1 import error_reason_pb2

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dqcommon", "task_service", "storage_service", "analysis_service")
PATTERNS = [
    r"ServiceError\(\s*[\w.]+,\s*\"([A-Z_]+)\"",
    r"AgentError\(\s*\"([A-Z_]+)\"",
    r"AnalysisFailure\(\s*\"([A-Z_]+)\"",
    r"_(?:fail|retry_or_fail|mark_upload_failed)\(\s*\w+,\s*\"([A-Z_]+)\"",
    r"\bcode=\"([A-Z_]+)\"",
]


def emitted_codes() -> dict[str, str]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text()
            for pattern in PATTERNS:
                for match in re.finditer(pattern, text):
                    found[match.group(1)] = str(path.relative_to(ROOT))
    return found


def test_every_emitted_code_is_documented():
    documented = set(error_reason_pb2.ErrorReason.keys())
    codes = emitted_codes()
    assert len(codes) > 20, "the scan found too few codes: patterns out of date?"
    undocumented = {code: where for code, where in codes.items() if code not in documented}
    assert undocumented == {}
