"""Translation between the domain and protobuf messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from google.protobuf import struct_pb2, timestamp_pb2

from dataquality.task.v1 import task_pb2, tool_pb2
from dqcommon.tools import AgentDef, Catalog, FileSlotDef, ParamDef, ParamType, ToolDef
from task_service.domain.model import Task, TaskEvent, TaskStatus

_PARAM_TYPES = {
    ParamType.INTEGER: tool_pb2.ParameterSpec.TYPE_INTEGER,
    ParamType.NUMBER: tool_pb2.ParameterSpec.TYPE_NUMBER,
    ParamType.BOOLEAN: tool_pb2.ParameterSpec.TYPE_BOOLEAN,
    ParamType.STRING: tool_pb2.ParameterSpec.TYPE_STRING,
    ParamType.STRING_LIST: tool_pb2.ParameterSpec.TYPE_STRING_LIST,
    ParamType.OBJECT: tool_pb2.ParameterSpec.TYPE_OBJECT,
    ParamType.OBJECT_LIST: tool_pb2.ParameterSpec.TYPE_OBJECT_LIST,
}


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    ts = timestamp_pb2.Timestamp()
    ts.FromDatetime(value)
    return ts


def status_to_proto(status: TaskStatus) -> task_pb2.Task.Status.ValueType:
    return task_pb2.Task.Status.Value(status.value)


def status_from_proto(value: task_pb2.Task.Status.ValueType) -> TaskStatus | None:
    if value == task_pb2.Task.STATUS_UNSPECIFIED:
        return None
    return TaskStatus(task_pb2.Task.Status.Name(value))


def transition_to_proto(event: TaskEvent) -> task_pb2.TaskTransition:
    transition = task_pb2.TaskTransition(
        to_status=status_to_proto(event.to_status),
        reason=event.reason,
        attempt=event.attempt,
        error_code=event.error_code or "",
    )
    if event.from_status is not None:
        transition.from_status = status_to_proto(event.from_status)
    transition.at.FromDatetime(event.at)
    return transition


def task_to_proto(task: Task, history: Sequence[TaskEvent] = ()) -> task_pb2.Task:
    message = task_pb2.Task(
        task_id=task.task_id,
        user_id=task.user_id,
        tool_id=task.tool_id,
        agents=list(task.agents),
        status=status_to_proto(task.status),
        progress=task.progress.percent,
        progress_detail=task_pb2.ProgressDetail(
            current_stage=task.progress.stage,
            current_agent=task.progress.current_agent or "",
            agents_total=task.progress.agents_total,
            agents_completed=task.progress.agents_completed,
        ),
        error_code=task.error_code or "",
        error_message=task.error_message or "",
        downloads_available=task.status is TaskStatus.COMPLETED and bool(task.outputs),
        execution_time_ms=task.execution_time_ms or 0,
        files={
            slot: task_pb2.TaskFile(
                filename=f.filename, content_type=f.content_type, size_bytes=f.size_bytes, key=f.key
            )
            for slot, f in task.files.items()
        },
        agent_results=[
            task_pb2.AgentOutcome(
                agent_id=a.agent_id,
                status=a.status,
                error_code=a.error_code,
                error_message=a.error_message,
                execution_time_ms=a.execution_time_ms,
            )
            for a in task.agent_results
        ],
    )
    message.attempt = task.attempt
    message.history.extend(transition_to_proto(event) for event in history)
    for field in (
        "created_at",
        "updated_at",
        "upload_started_at",
        "processing_started_at",
        "completed_at",
        "failed_at",
        "cancelled_at",
        "expired_at",
        "inputs_deleted_at",
        "outputs_deleted_at",
    ):
        value = timestamp(getattr(task, field))
        if value is not None:
            getattr(message, field).CopyFrom(value)
    return message


def _value(python: Any) -> struct_pb2.Value:
    holder = struct_pb2.Struct()
    holder.update({"v": python})
    return holder.fields["v"]


def _param(spec: ParamDef) -> tool_pb2.ParameterSpec:
    message = tool_pb2.ParameterSpec(
        name=spec.name,
        type=_PARAM_TYPES[spec.type],
        description=spec.description,
        default_value=_value(spec.default),
        allowed_values=list(spec.allowed),
        column_selection=spec.column_selection,
    )
    if spec.minimum is not None:
        message.minimum = spec.minimum
    if spec.maximum is not None:
        message.maximum = spec.maximum
    return message


def _agent(agent: AgentDef) -> tool_pb2.Agent:
    return tool_pb2.Agent(
        agent_id=agent.agent_id,
        name=agent.name,
        description=agent.description,
        available=agent.available,
        input_slots=list(agent.input_slots),
        parameters=[_param(p) for p in agent.parameters],
    )


def _slot(slot: FileSlotDef) -> tool_pb2.FileSlot:
    return tool_pb2.FileSlot(
        slot=slot.slot,
        required=slot.required,
        required_by_agents=list(slot.required_by_agents),
        formats=list(slot.formats),
        content_types=list(slot.content_types),
        max_size_bytes=slot.max_size_bytes,
        description=slot.description,
    )


def tool_to_proto(tool: ToolDef) -> tool_pb2.Tool:
    return tool_pb2.Tool(
        tool_id=tool.tool_id,
        name=tool.name,
        description=tool.description,
        version=tool.version,
        category=tool.category,
        files=[_slot(s) for s in tool.files],
        agents=[_agent(a) for a in tool.agents],
    )


def catalog_to_proto(catalog: Catalog) -> list[tool_pb2.Tool]:
    return [tool_to_proto(t) for t in catalog.tools]
