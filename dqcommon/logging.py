"""Structured (JSON lines) logging with a request id that follows a task.

The request id arrives as gRPC metadata ``x-request-id`` (Envoy sets one on
every HTTP request), is kept in a context variable for the duration of a
call, and is forwarded on every outgoing call with :func:`outgoing_metadata`.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import sys
import time
import uuid
from collections.abc import Iterator, Sequence

REQUEST_ID_HEADER = "x-request-id"

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_task_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("task_id", default=None)


def current_request_id() -> str | None:
    """The request id of the call being served, if any."""
    return _request_id.get()


def new_request_id() -> str:
    """A fresh request id."""
    return uuid.uuid4().hex


@contextlib.contextmanager
def log_context(*, request_id: str | None = None, task_id: str | None = None) -> Iterator[None]:
    """Binds a request id and/or task id to every log record inside the block."""
    tokens: list[tuple[contextvars.ContextVar[str | None], contextvars.Token[str | None]]] = []
    if request_id is not None:
        tokens.append((_request_id, _request_id.set(request_id)))
    if task_id is not None:
        tokens.append((_task_id, _task_id.set(task_id)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            # A generator closed from another task runs this in a different
            # context, where the token cannot be reset (nothing to undo there).
            with contextlib.suppress(ValueError):
                var.reset(token)


def bind_request_id(request_id: str) -> None:
    """Binds a request id to the current context without restoring it later:
    for code that owns its context, such as one gRPC call's task."""
    _request_id.set(request_id)


def request_id_from_metadata(metadata: Sequence[tuple[str, str | bytes]] | None) -> str | None:
    """Extracts the request id from invocation metadata."""
    for key, value in metadata or ():
        if key == REQUEST_ID_HEADER and value:
            text = value.decode() if isinstance(value, bytes) else value
            # Keep ids printable and short: they end up in every log line.
            return "".join(ch for ch in text if ch.isalnum() or ch in "-_.")[:128] or None
    return None


def outgoing_metadata(*extra: tuple[str, str]) -> tuple[tuple[str, str], ...]:
    """Metadata for an outgoing call that forwards the current request id."""
    request_id = current_request_id()
    base = ((REQUEST_ID_HEADER, request_id),) if request_id else ()
    return base + tuple(extra)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, service, logger, message,
    request and task ids, any ``extra={...}`` fields, and the exception."""

    _RESERVED = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "service": self._service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = _request_id.get()
        if request_id:
            entry["request_id"] = request_id
        task_id = _task_id.get()
        if task_id:
            entry["task_id"] = task_id
        for key, value in vars(record).items():
            if key not in self._RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Sends every log record to stderr as JSON lines. Called from ``main``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Third-party chatter stays at WARNING unless asked for.
    for noisy in ("botocore", "boto3", "urllib3", "s3transfer", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
