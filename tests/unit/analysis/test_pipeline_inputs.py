"""How the pipeline reads its inputs: the slot's formats, the file options,
and a reader error as the task's error code."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import openpyxl
import pytest

from analysis_service.domain.errors import AnalysisCancelled
from analysis_service.pipeline import InputRef, Job, PipelineConfig, run_job
from dataquality.storage.v1 import storage_service_pb2 as storage_pb
from dqcommon.errors import ServiceError
from dqcommon.tools import default_catalog

pytestmark = pytest.mark.unit


@dataclass
class Stored:
    size_bytes: int


class FakeStorage:
    def __init__(self, files: dict[str, bytes], cut_after: int | None = None) -> None:
        self.files = files
        self.cut_after = cut_after
        self.written: list[str] = []

    def iter_chunks(
        self, ref: storage_pb.ObjectRef, *, etag: str = "", cancelled: Callable[[], bool] = bool
    ) -> Iterator[bytes]:
        data = self.files[ref.name]
        for start in range(0, len(data), 1000):
            if self.cut_after is not None and start >= self.cut_after:
                return  # what InputStorage does once cancelled: the stream just ends
            yield data[start : start + 1000]

    def write_file(self, ref: storage_pb.ObjectRef, path: Path, content_type: str, **_: Any):
        self.written.append(ref.name)
        return Stored(path.stat().st_size)


def job(name: str, tool: str = "profile-my-data", **parameters: Any) -> Job:
    ref = storage_pb.ObjectRef(
        user_id="u", task_id="t", area=storage_pb.ObjectRef.AREA_INPUTS, name=name
    )
    agents = ("unified-profiler",) if tool == "profile-my-data" else ("cleanse-previewer",)
    return Job(
        task_id="t",
        user_id="u",
        tool_id=tool,
        agents=agents,
        parameters={"unified-profiler": {}, **parameters},
        inputs={"primary": InputRef("primary", ref, "e", 10, f"my {name}")},
    )


def run(storage: FakeStorage, the_job: Job, cancelled: Callable[[], bool] = lambda: False):
    return run_job(
        the_job,
        storage=storage,
        catalog=default_catalog(),
        config=PipelineConfig(batch_rows=1_000),
        emit=lambda _event: None,
        cancelled=cancelled,
    )


def test_a_bad_file_fails_with_the_readers_code_and_nothing_is_written() -> None:
    storage = FakeStorage({"primary.csv": b"\x89PNG\r\n\x1a\n" + bytes(2000)})
    with pytest.raises(ServiceError) as caught:
        run(storage, job("primary.csv"))
    error = caught.value
    assert (error.code, error.reason) == (grpc.StatusCode.INVALID_ARGUMENT, "INVALID_FILE_FORMAT")
    assert error.message.startswith("The primary file 'my primary.csv' cannot be analysed: ")
    assert error.metadata == {"slot": "primary"}
    assert storage.written == []


def test_a_row_error_carries_its_row() -> None:
    storage = FakeStorage({"primary.csv": b"a,b\n1,2\n3\n"})
    with pytest.raises(ServiceError) as caught:
        run(storage, job("primary.csv"))
    assert caught.value.reason == "INVALID_CSV" and caught.value.metadata["row"] == "3"


def test_a_stream_cut_by_cancellation_is_a_cancellation_not_a_bad_file() -> None:
    book = openpyxl.Workbook()
    book.active.append(["a"])
    out = io.BytesIO()
    book.save(out)
    storage = FakeStorage({"primary.xlsx": out.getvalue()}, cut_after=2000)
    with pytest.raises(AnalysisCancelled):
        run(storage, job("primary.xlsx"), cancelled=lambda: bool(storage.cut_after))


def test_the_sheet_option_and_the_slot_formats_are_honoured() -> None:
    book = openpyxl.Workbook()
    book.active.append(["cover"])
    sheet = book.create_sheet("Data")
    sheet.append(["x", "y"])
    sheet.append([1, 2])
    out = io.BytesIO()
    book.save(out)
    storage = FakeStorage({"primary.xlsx": out.getvalue(), "primary.json": b'[{"a": 1}]'})
    result = run(storage, job("primary.xlsx", files={"primary": {"sheet": "Data"}}))
    assert result.agents[0].succeeded
    with pytest.raises(ServiceError) as caught:
        run(storage, job("primary.xlsx", files={"primary": {"sheet": "Nope"}}))
    assert caught.value.reason == "SHEET_NOT_FOUND"
    with pytest.raises(ServiceError) as caught:  # clean-my-data takes CSV and XLSX only
        run(storage, job("primary.json", tool="clean-my-data"))
    assert caught.value.reason == "INVALID_FILE_FORMAT"
    assert "CSV or Excel (.xlsx)" in caught.value.message
