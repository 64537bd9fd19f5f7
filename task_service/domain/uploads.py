"""Resumable multipart uploads of a task's input files: the browser PUTs
each part to its own presigned URL, asks which parts are stored after an
interruption, and completes the upload. StorageService holds the
credentials; the task records the upload id per slot (in its files)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from task_service.domain import errors
from task_service.domain.limits import PartPlan
from task_service.domain.model import InputFile, Task, TaskStatus
from task_service.domain.ports import SignedUrl, StoragePort, StoredPart, TaskObject

log = logging.getLogger(__name__)

#: Statuses in which parts may be listed and uploads completed.
UPLOAD_STATUSES = frozenset({TaskStatus.UPLOADING, TaskStatus.UPLOAD_FAILED})
_MAX_NAMED = 50


@dataclass(frozen=True)
class PartUrl:
    """A presigned PUT of one part."""

    number: int
    offset: int
    size: int
    signed: SignedUrl


@dataclass(frozen=True)
class MultipartGrant:
    """A multipart upload and the URLs of the parts to send."""

    upload_id: str
    plan: PartPlan
    parts: tuple[PartUrl, ...]


@dataclass(frozen=True)
class PartsState:
    """What a multipart upload holds, and fresh URLs for the rest."""

    stored: tuple[StoredPart, ...]
    grant: MultipartGrant

    @property
    def missing(self) -> list[int]:
        return [p.number for p in self.grant.parts]


def task_object(task: Task, file: InputFile) -> TaskObject:
    return TaskObject(task.user_id, task.task_id, "inputs", file.object_name)


class Multipart:
    """The multipart use cases over the storage port."""

    def __init__(self, storage: StoragePort, url_ttl_seconds: int) -> None:
        self._storage = storage
        self._ttl = url_ttl_seconds

    def start(self, obj: TaskObject, content_type: str, plan: PartPlan) -> MultipartGrant:
        upload_id = self._storage.create_multipart_upload(obj, content_type=content_type)
        return self._grant(obj, upload_id, plan, [p.number for p in plan.parts()])

    def _grant(
        self, obj: TaskObject, upload_id: str, plan: PartPlan, numbers: Sequence[int]
    ) -> MultipartGrant:
        parts = [plan.part(n) for n in numbers]
        signed = (
            self._storage.create_part_urls(
                obj, upload_id, [(p.number, p.size) for p in parts], expires_in=self._ttl
            )
            if parts
            else []
        )
        return MultipartGrant(
            upload_id,
            plan,
            tuple(
                PartUrl(p.number, p.offset, p.size, s) for p, s in zip(parts, signed, strict=True)
            ),
        )

    def state(self, task: Task, slot: str) -> PartsState:
        file = self._pending(task, slot)
        obj = task_object(task, file)
        plan = PartPlan(file.size_bytes, file.part_bytes)
        stored = self._stored(task, slot, file)
        good = _matching(plan, stored)
        missing = [n for n in range(1, plan.count + 1) if n not in good]
        grant = self._grant(obj, file.upload_id, plan, missing)
        return PartsState(tuple(good[n] for n in sorted(good)), grant)

    def complete(self, task: Task, slot: str, etags: Mapping[int, str]) -> tuple[InputFile, int]:
        """Completes the slot's upload; returns the file (upload id cleared,
        entity tag set) and the number of parts."""
        file = self._pending(task, slot)
        plan = PartPlan(file.size_bytes, file.part_bytes)
        good = _matching(plan, self._stored(task, slot, file))
        missing = [n for n in range(1, plan.count + 1) if n not in good]
        if missing:
            named = ", ".join(str(n) for n in missing[:_MAX_NAMED])
            more = f" and {len(missing) - _MAX_NAMED} more" if len(missing) > _MAX_NAMED else ""
            raise errors.upload_problem(
                "UPLOAD_INCOMPLETE",
                f"The upload of '{slot}' is missing {len(missing)} of {plan.count} parts "
                f"(parts {named}{more}); upload them (GET .../uploads/{slot}/parts gives "
                "their URLs), then complete again.",
                missing_parts=",".join(str(n) for n in missing[:_MAX_NAMED]),
            )
        for number, etag in etags.items():
            stored = good.get(number)
            if stored is None or stored.etag != etag.strip().strip('"'):
                raise errors.upload_problem(
                    "UPLOAD_INCOMPLETE",
                    f"Part {number} of '{slot}' is stored with another entity tag than the one "
                    "sent; upload it again or complete without entity tags.",
                )
        parts = [good[n] for n in sorted(good)]
        stat = self._storage.complete_multipart(task_object(task, file), file.upload_id, parts)
        log.info(
            "multipart upload completed",
            extra={"task_id": task.task_id, "slot": slot, "parts": len(parts)},
        )
        return replace(file, upload_id="", part_bytes=0, etag=stat.etag, key=stat.key), len(parts)

    def abort(self, task: Task, files: Mapping[str, InputFile] | None = None) -> int:
        """Aborts every multipart upload the task records; returns how many."""
        aborted = 0
        for file in (files if files is not None else task.files).values():
            if file.upload_id:
                try:
                    if self._storage.abort_multipart(task_object(task, file), file.upload_id):
                        aborted += 1
                except Exception:  # logged; the store's lifecycle rules are the backstop
                    log.warning(
                        "could not abort a multipart upload",
                        exc_info=True,
                        extra={"task_id": task.task_id, "slot": file.slot},
                    )
        return aborted

    def _pending(self, task: Task, slot: str) -> InputFile:
        file = task.files.get(slot)
        if file is None or not file.upload_id:
            raise errors.upload_problem(
                "MULTIPART_UPLOAD_NOT_FOUND",
                f"'{slot[:64]}' has no multipart upload in progress; request upload URLs "
                "with multipart: true (or a size from the multipart threshold).",
                slot=slot[:64],
            )
        return file

    def _stored(self, task: Task, slot: str, file: InputFile) -> list[StoredPart]:
        stored = self._storage.list_parts(task_object(task, file), file.upload_id)
        if stored is None:
            raise errors.upload_problem(
                "MULTIPART_UPLOAD_NOT_FOUND",
                f"The multipart upload of '{slot[:64]}' no longer exists; request upload URLs "
                "again.",
                slot=slot[:64],
            )
        return stored


def _matching(plan: PartPlan, stored: Sequence[StoredPart]) -> dict[int, StoredPart]:
    """The stored parts that have their planned number and size."""
    return {
        p.number: p
        for p in stored
        if 1 <= p.number <= plan.count and p.size_bytes == plan.part(p.number).size
    }
