"""The Envoy configuration renders and is accepted by the real Envoy."""

from __future__ import annotations

import subprocess

import pytest
import yaml

from devstack.gateway import DESCRIPTOR, GatewaySettings, envoy_binary, render

pytestmark = pytest.mark.unit


def transcoder(config: dict) -> dict:
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    filters = manager["typed_config"]["http_filters"]
    return next(f for f in filters if f["name"] == "envoy.filters.http.grpc_json_transcoder")[
        "typed_config"
    ]


def test_rendered_config_is_valid_for_envoy(tmp_path):
    path = tmp_path / "envoy.yaml"
    path.write_text(render(GatewaySettings(listen_port=18081, admin_port=19902)))
    result = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(path), "--disable-hot-restart"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert DESCRIPTOR.is_file()


def test_only_task_service_is_transcoded_with_the_contract_options():
    config = yaml.safe_load(render(GatewaySettings()))
    options = transcoder(config)
    assert options["services"] == ["dataquality.task.v1.TaskService"]
    assert options["print_options"]["preserve_proto_field_names"] is True
    assert options["print_options"]["always_print_primitive_fields"] is True
    assert options["convert_grpc_status"] is True
    assert options["request_validation_options"] == {
        "reject_unknown_method": True,
        "reject_unknown_query_parameters": True,
        "reject_binding_body_field_collisions": True,
    }
    clusters = [c["name"] for c in config["static_resources"]["clusters"]]
    assert clusters == ["task_service"]


@pytest.mark.parametrize(
    ("origins", "expected"),
    [
        ("https://app.example.com", [{"exact": "https://app.example.com"}]),
        (
            "https://a.test, https://b.test",
            [{"exact": "https://a.test"}, {"exact": "https://b.test"}],
        ),
        ("*", [{"safe_regex": {"regex": ".*"}}]),
    ],
)
def test_cors_origins(origins, expected):
    config = yaml.safe_load(render(GatewaySettings(cors_origins=origins)))
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    host = manager["typed_config"]["route_config"]["virtual_hosts"][0]
    policy = host["typed_per_filter_config"]["envoy.filters.http.cors"]
    assert policy["allow_origin_string_match"] == expected


def test_every_service_binds_loopback_by_default():
    config = yaml.safe_load(render(GatewaySettings()))
    listener = config["static_resources"]["listeners"][0]["address"]["socket_address"]
    assert listener["address"] == "127.0.0.1" and listener["port_value"] == 8080
    assert config["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"
