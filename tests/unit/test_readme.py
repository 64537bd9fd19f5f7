"""The README stays true: every setting is documented, both commands shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis_service.config import AnalysisSettings
from devstack.gateway import GatewaySettings
from storage_service.config import StorageSettings
from task_service.config import TaskSettings

pytestmark = pytest.mark.unit
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize(
    "settings", [TaskSettings, StorageSettings, AnalysisSettings, GatewaySettings]
)
def test_every_setting_is_documented(settings):
    prefix = settings.model_config.get("env_prefix", "")
    for name, field in settings.model_fields.items():
        variable = (field.alias or f"{prefix}{name}").upper()
        assert f"`{variable}`" in README, f"{variable} is missing from the README"


def test_both_commands_are_shown():
    assert "make run" in README and "make test" in README


def test_every_default_binds_loopback():
    for settings in (TaskSettings(), AnalysisSettings(), GatewaySettings()):
        addresses = [
            v
            for k, v in settings.model_dump().items()
            if k.endswith(("grpc_address", "listen_address"))
        ]
        assert addresses and all(str(a).startswith("127.0.0.1") for a in addresses)
    assert StorageSettings.model_fields["grpc_address"].default.startswith("127.0.0.1")
