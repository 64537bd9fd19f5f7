"""Finding ids, one sequence per agent and run.

Ids follow the upstream patterns (``frontend-contract.md`` §6): an agent
with key ``profile`` makes ``alert_profile_<name>``, ``issue_profile_<kind>_<column>``
and ``rec_profile_<name>``; agents whose upstream ids do not follow the
pattern (``alert_pii_001_detected_critical``) pass the whole id to
:meth:`IdSequence.exact`. Every id handed out is unique within the
sequence: a repeat gets ``_2``, ``_3`` ... appended, so two columns whose
names differ only in characters an id cannot tell apart still get two ids.
"""

from __future__ import annotations


class IdSequence:
    """Hands out unique ids for one agent's findings."""

    def __init__(self, key: str) -> None:
        self.key = key
        self._seen: dict[str, int] = {}

    def exact(self, wanted: str) -> str:
        """``wanted`` itself, or with a numeric suffix if already used."""
        count = self._seen.get(wanted, 0) + 1
        self._seen[wanted] = count
        if count == 1:
            return wanted
        candidate = f"{wanted}_{count}"
        while candidate in self._seen:
            count += 1
            candidate = f"{wanted}_{count}"
        self._seen[wanted] = count
        self._seen[candidate] = 1
        return candidate

    def alert(self, name: str) -> str:
        return self.exact(f"alert_{self.key}_{name}")

    def issue(self, kind: str, field: str = "") -> str:
        return self.exact(
            f"issue_{self.key}_{kind}_{field}" if field else f"issue_{self.key}_{kind}"
        )

    def recommendation(self, name: str) -> str:
        return self.exact(f"rec_{self.key}_{name}")
