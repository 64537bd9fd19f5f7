"""Rich gRPC errors: ``google.rpc.Status`` with ``ErrorInfo.reason``.

Domain code raises :class:`ServiceError`; the server interceptor in
:mod:`dqcommon.grpc_server` turns it into a gRPC status whose details carry
an ``ErrorInfo`` (reason = one of ``dataquality.errors.v1.ErrorReason``) and,
where useful, a ``BadRequest`` or ``PreconditionFailure``. Through Envoy the
same status becomes the JSON body of the HTTP error.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from dataquality.errors.v1 import error_reason_pb2

ERROR_DOMAIN = "dataquality.errors.v1"


@dataclass(frozen=True)
class FieldViolation:
    """One invalid request field (becomes ``google.rpc.BadRequest``)."""

    field: str
    description: str


@dataclass(frozen=True)
class PreconditionViolation:
    """One unmet precondition (becomes ``google.rpc.PreconditionFailure``)."""

    type: str
    subject: str
    description: str


@dataclass
class ServiceError(Exception):
    """An error a client can act on: a gRPC code, an error code (reason) and a
    message written for people. Never carries internals."""

    code: grpc.StatusCode
    reason: str
    message: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    field_violations: tuple[FieldViolation, ...] = ()
    precondition_violations: tuple[PreconditionViolation, ...] = ()

    def __post_init__(self) -> None:
        # Every reason must be a documented ErrorReason value.
        error_reason_pb2.ErrorReason.Value(self.reason)
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"

    def to_status(self) -> status_pb2.Status:
        """The ``google.rpc.Status`` for this error."""
        details: list[any_pb2.Any] = []
        info = error_details_pb2.ErrorInfo(
            reason=self.reason, domain=ERROR_DOMAIN, metadata=dict(self.metadata)
        )
        details.append(_pack(info))
        if self.field_violations:
            bad = error_details_pb2.BadRequest(
                field_violations=[
                    error_details_pb2.BadRequest.FieldViolation(
                        field=v.field, description=v.description
                    )
                    for v in self.field_violations
                ]
            )
            details.append(_pack(bad))
        if self.precondition_violations:
            failure = error_details_pb2.PreconditionFailure(
                violations=[
                    error_details_pb2.PreconditionFailure.Violation(
                        type=v.type, subject=v.subject, description=v.description
                    )
                    for v in self.precondition_violations
                ]
            )
            details.append(_pack(failure))
        return status_pb2.Status(code=self.code.value[0], message=self.message, details=details)

    def to_grpc_status(self, extra_metadata: Sequence[tuple[str, str]] = ()) -> grpc.Status:
        """The status object ``context.abort_with_status`` expects, with
        ``extra_metadata`` added to its trailing metadata."""
        status = rpc_status.to_status(self.to_status())
        if not extra_metadata:
            return status
        return _Status(status.code, status.details, (*status.trailing_metadata, *extra_metadata))


class _Status(
    collections.namedtuple("_Status", ("code", "details", "trailing_metadata")), grpc.Status
):
    """A gRPC status with our own trailing metadata."""


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def internal_error() -> ServiceError:
    """The error a client sees for anything unexpected (details are logged)."""
    return ServiceError(
        grpc.StatusCode.INTERNAL,
        "INTERNAL_ERROR",
        "An internal error occurred. It has been logged; please retry or report the request id.",
    )


# --- client side -----------------------------------------------------------


@dataclass(frozen=True)
class RemoteError:
    """What a failed call said, decoded from its rich status."""

    code: grpc.StatusCode
    reason: str | None
    message: str
    metadata: Mapping[str, str]
    field_violations: tuple[FieldViolation, ...] = ()


def decode_rpc_error(error: grpc.RpcError) -> RemoteError:
    """Decodes the code, ErrorInfo reason and details of a failed call."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = error.details() if hasattr(error, "details") else str(error)
    trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    reason: str | None = None
    metadata: dict[str, str] = {}
    violations: list[FieldViolation] = []
    for key, value in _iter_metadata(trailing):
        if key != "grpc-status-details-bin":
            continue
        status = status_pb2.Status.FromString(value if isinstance(value, bytes) else value.encode())
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            bad = error_details_pb2.BadRequest()
            if detail.Unpack(info):
                reason = info.reason
                metadata = dict(info.metadata)
            elif detail.Unpack(bad):
                violations.extend(
                    FieldViolation(v.field, v.description) for v in bad.field_violations
                )
    return RemoteError(
        code=code or grpc.StatusCode.UNKNOWN,
        reason=reason,
        message=message or "",
        metadata=metadata,
        field_violations=tuple(violations),
    )


def _iter_metadata(metadata: object) -> Iterable[tuple[str, str | bytes]]:
    if not metadata:
        return ()
    return [(item[0], item[1]) for item in metadata]  # type: ignore[attr-defined]


def grpc_code_name(code: int) -> str:
    """Name of a numeric ``google.rpc.Code`` (for logs)."""
    return code_pb2.Code.Name(code)
