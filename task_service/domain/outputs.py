"""A completed task's outputs: presigned download links, by file name, and
the stored JSON report (bounded to what one response may carry)."""

from __future__ import annotations

from dataclasses import dataclass

from dqcommon.tools import ToolDef
from task_service.domain import errors, scope
from task_service.domain.model import OutputFile, Task
from task_service.domain.ports import SignedUrl, StoragePort, TaskObject


@dataclass(frozen=True)
class DownloadLink:
    """One output with its presigned URL."""

    output: OutputFile
    signed: SignedUrl


@dataclass(frozen=True)
class StoredReport:
    """A completed task's stored JSON report and its outputs' links."""

    task: Task
    tool: ToolDef
    data: bytes
    links: list[DownloadLink]


class Outputs:
    """Reads a completed task's outputs."""

    def __init__(
        self, storage: StoragePort, *, url_ttl_seconds: int, max_report_bytes: int
    ) -> None:
        self._storage = storage
        self._ttl = url_ttl_seconds
        self._max_report_bytes = max_report_bytes

    def links(self, task: Task) -> tuple[list[DownloadLink], int]:
        """Presigned GET URLs for the outputs, by file name, and their lifetime."""
        links = []
        for output in sorted(task.outputs, key=lambda o: o.filename.encode()):
            signed = self._storage.create_download_url(
                TaskObject(task.user_id, task.task_id, "outputs", output.object_name),
                expires_in=self._ttl,
                filename=output.filename,
            )
            links.append(DownloadLink(output, signed))
        return links, self._ttl

    def report(self, task: Task, tool: ToolDef) -> StoredReport:
        """The stored JSON report, or REPORT_NOT_FOUND / REPORT_TOO_LARGE."""
        # The JSON report, not another JSON output (clean-my-data's manifest).
        stored = next(
            (o for o in task.outputs if o.format == "json" and o.type in ("report", "")), None
        )
        if stored is None:
            raise errors.report_not_found(task.task_id)
        obj = TaskObject(task.user_id, task.task_id, "outputs", stored.object_name)
        info = self._storage.stat(obj)
        if info is None:
            raise errors.report_not_found(task.task_id)
        limit = self._max_report_bytes
        if info.size_bytes > limit:
            raise errors.report_too_large(task.task_id, info.size_bytes, limit)
        data = self._storage.read_small(obj, max_bytes=limit)
        if data is None:
            raise errors.report_not_found(task.task_id)
        scope.check()
        links, _ = self.links(task)
        return StoredReport(task, tool, data, links)
