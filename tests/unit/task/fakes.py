"""In-memory stand-ins for the domain's ports, for fast unit tests of the
use cases and the dispatcher. The real adapters are tested against the real
StorageService, SeaweedFS and AnalysisService in tests/integration."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from task_service.domain import errors
from task_service.domain.ports import (
    AnalysisEvent,
    AnalysisFailure,
    AnalysisJob,
    ObjectStat,
    SignedUrl,
    TaskObject,
)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeStorage:
    """Objects in a dict keyed like StorageService keys."""

    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    available: bool = True
    signed: list[tuple[str, str, int | None]] = field(default_factory=list)

    @staticmethod
    def key(obj: TaskObject) -> str:
        return f"users/{obj.user_id}/tasks/{obj.task_id}/{obj.area}/{obj.name}"

    def _check(self) -> None:
        if not self.available:
            raise errors.storage_unavailable()

    def put(self, obj: TaskObject, data: bytes, content_type: str = "text/csv") -> None:
        self.objects[self.key(obj)] = (data, content_type)

    def create_upload_url(
        self, obj: TaskObject, *, content_type: str, size_bytes: int | None, expires_in: int
    ) -> SignedUrl:
        self._check()
        self.signed.append((self.key(obj), content_type, size_bytes))
        return SignedUrl(
            url=f"https://store.test/{self.key(obj)}?sig=x",
            method="PUT",
            headers={"Content-Type": content_type},
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            key=self.key(obj),
        )

    def create_download_url(self, obj: TaskObject, *, expires_in: int, filename: str) -> SignedUrl:
        self._check()
        return SignedUrl(
            url=f"https://store.test/{self.key(obj)}?dl={filename}",
            method="GET",
            headers={},
            expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
            key=self.key(obj),
        )

    def stat(self, obj: TaskObject) -> ObjectStat | None:
        self._check()
        found = self.objects.get(self.key(obj))
        if found is None:
            return None
        data, content_type = found
        return ObjectStat(
            key=self.key(obj),
            size_bytes=len(data),
            content_type=content_type,
            etag=hashlib.sha256(data).hexdigest()[:32],
        )

    def read_small(
        self, obj: TaskObject, *, max_bytes: int, if_match: str | None = None
    ) -> bytes | None:
        stat = self.stat(obj)
        if stat is None:
            return None
        if if_match and stat.etag != if_match:
            raise errors.input_changed(obj.name)
        return self.objects[self.key(obj)][0]

    def write(self, obj: TaskObject, data: bytes, *, content_type: str) -> ObjectStat:
        self._check()
        self.put(obj, data, content_type)
        stat = self.stat(obj)
        assert stat is not None
        return stat

    def delete_task_objects(
        self,
        user_id: str,
        task_id: str,
        area: str | None = None,
        *,
        keep_names: tuple[str, ...] | list[str] = (),
        name_prefix: str = "",
    ) -> int:
        self._check()
        prefix = f"users/{user_id}/tasks/{task_id}/" + (f"{area}/" if area else "")
        keep = {prefix + name for name in keep_names}
        doomed = [k for k in self.objects if k.startswith(prefix + name_prefix) and k not in keep]
        for key in doomed:
            del self.objects[key]
        return len(doomed)


Script = Callable[[AnalysisJob], AsyncIterator[AnalysisEvent]]


class FakeAnalysis:
    """Plays a scripted event sequence per call; records the jobs."""

    def __init__(self, *scripts: Script) -> None:
        self._scripts = list(scripts)
        self.jobs: list[AnalysisJob] = []

    async def run(self, job: AnalysisJob) -> AsyncIterator[AnalysisEvent]:
        self.jobs.append(job)
        if not self._scripts:
            raise AnalysisFailure("ANALYSIS_UNAVAILABLE", "no script left", retryable=True)
        script = self._scripts.pop(0) if len(self._scripts) > 1 else self._scripts[0]
        async for event in script(job):
            yield event
