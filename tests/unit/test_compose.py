"""docker-compose.yml cannot run here (no Docker engine), so check what can
be checked: it parses, every service it names exists, every command is one
of our modules, every variable is a real setting, and every address points
at a service that listens on that port."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml

from analysis_service.config import AnalysisSettings
from devstack.gateway import GatewaySettings
from storage_service.config import StorageSettings
from task_service.config import TaskSettings

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = {"task-service", "storage-service", "analysis-service", "gateway"}
SETTINGS = {
    "task-service": TaskSettings,
    "storage-service": StorageSettings,
    "analysis-service": AnalysisSettings,
    "gateway": GatewaySettings,
}


def env_names(settings_class) -> set[str]:
    prefix = settings_class.model_config.get("env_prefix", "")
    names = set()
    for name, field in settings_class.model_fields.items():
        names.add((field.alias or f"{prefix}{name}").upper())
    return names


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def test_topology():
    assert APP_SERVICES | {"postgres", "s3"} == set(SERVICES)
    assert (ROOT / "Dockerfile").is_file()
    for name in APP_SERVICES:
        assert SERVICES[name]["build"] == "."


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_commands_are_our_modules(name):
    command = SERVICES[name]["command"]
    assert command[:2] == ["python", "-m"]
    assert importlib.util.find_spec(command[2]) is not None, command


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_every_variable_is_a_real_setting(name):
    known = env_names(SETTINGS[name])
    for variable in SERVICES[name].get("environment", {}):
        assert variable in known, f"{name}: {variable} is not a setting"


def test_every_address_points_at_a_listening_service():
    listening = {}
    for name in APP_SERVICES - {"gateway"}:
        env = SERVICES[name]["environment"]
        address = next(v for k, v in env.items() if k.endswith("GRPC_ADDRESS"))
        assert address.startswith("0.0.0.0:"), f"{name} must listen on the container network"
        port = port_of(address)
        assert str(port) in SERVICES[name]["expose"]
        health = SERVICES[name]["healthcheck"]["test"]
        assert health[-1] == f"127.0.0.1:{port}"
        listening[name] = port
    targets = []
    for name in APP_SERVICES:
        for key, value in SERVICES[name].get("environment", {}).items():
            if key.endswith(("_TARGET", "_TARGETS")):
                targets.extend((name, item.strip()) for item in value.split(","))
    assert targets, "no service addresses found"
    for name, value in targets:
        host, port = value.rsplit(":", 1)
        assert host in listening, f"{name} points at unknown service {host}"
        assert int(port) == listening[host], f"{name} uses port {port} of {host}"
        assert host in SERVICES[name].get("depends_on", {}), f"{name} should wait for {host}"


def test_database_and_dependencies():
    url = SERVICES["task-service"]["environment"]["TASK_DATABASE_URL"]
    match = re.match(r"postgresql\+psycopg://[^@]+@([^:/]+):(\d+)/(\w+)", url)
    assert match and match.group(1) in SERVICES and match.group(2) == "5432"
    assert match.group(3) == SERVICES["postgres"]["environment"]["POSTGRES_DB"]
    for name, service in SERVICES.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in SERVICES, f"{name} depends on unknown {dependency}"


def test_only_the_gateway_is_published():
    published = {name for name, s in SERVICES.items() if s.get("ports")}
    assert published == {"gateway", "s3"}
    assert SERVICES["s3"]["profiles"] == ["local-s3"]
    gateway_env = SERVICES["gateway"]["environment"]
    assert SERVICES["gateway"]["ports"] == [f"{gateway_env['GATEWAY_LISTEN_PORT']}:8080"]
