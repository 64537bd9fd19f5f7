"""The Envoy configuration renders, is accepted by the real Envoy, and holds
what the contract needs (token verification, error bodies, CORS)."""

from __future__ import annotations

import json
import re
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from dataquality.errors.v1 import error_reason_pb2
from devstack.gateway import (
    CONTRACT_ORIGINS,
    DESCRIPTOR,
    GATEWAY_DIR,
    SECRET_JWKS_NAME,
    GatewayConfigError,
    GatewaySettings,
    envoy_binary,
    render,
)
from tests.support.jwt_keys import SigningKey
from tests.support.jwt_keys import jwks as keyset

pytestmark = pytest.mark.unit
SECRET = "s" * 40


def settings(**values) -> GatewaySettings:
    return GatewaySettings(jwt_secret=SECRET, **values)


def config_of(tmp_path: Path, **values) -> dict:
    return yaml.safe_load(render(settings(**values), tmp_path))


def http_filters(config: dict) -> dict:
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    return {f["name"]: f["typed_config"] for f in manager["typed_config"]["http_filters"]}


def connection_manager(config: dict) -> dict:
    return config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0][
        "typed_config"
    ]


def validate(path: Path) -> None:
    result = subprocess.run(
        [envoy_binary(), "--mode", "validate", "-c", str(path), "--disable-hot-restart"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_config_is_valid_for_envoy(tmp_path):
    path = tmp_path / "envoy.yaml"
    path.write_text(render(settings(listen_port=18081, admin_port=19902), tmp_path))
    validate(path)
    assert DESCRIPTOR.is_file()


def test_with_every_kind_of_key_the_config_is_still_valid(tmp_path):
    jwks = tmp_path / "idp.jwks.json"
    jwks.write_text(json.dumps(keyset(SigningKey.rsa(), SigningKey.ec())))
    path = tmp_path / "envoy.yaml"
    path.write_text(
        render(
            settings(
                jwks_file=jwks,
                jwt_audiences="a,b",
                jwks_issuer="https://idp.test/",
                jwt_max_age_seconds=3600,
            ),
            tmp_path,
        )
    )
    validate(path)
    path.write_text(
        render(
            GatewaySettings(jwks_url="https://idp.test/.well-known/jwks.json"),
            tmp_path,
        )
    )
    validate(path)


def test_the_gateway_refuses_to_start_without_a_way_to_verify_tokens(tmp_path):
    with pytest.raises(GatewayConfigError, match="GATEWAY_JWT_SECRET"):
        render(GatewaySettings(), tmp_path)
    with pytest.raises(GatewayConfigError, match="at least 32"):
        render(GatewaySettings(jwt_secret="short"), tmp_path)
    with pytest.raises(GatewayConfigError, match="does not exist"):
        render(GatewaySettings(jwks_file=tmp_path / "missing.json"), tmp_path)
    with pytest.raises(GatewayConfigError, match="http"):
        render(GatewaySettings(jwks_url="file:///etc/keys.json"), tmp_path)


def test_the_secret_is_in_a_private_key_file_not_in_the_config(tmp_path):
    text = render(settings(), tmp_path)
    assert SECRET not in text
    key_file = tmp_path / SECRET_JWKS_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    (key,) = json.loads(key_file.read_text())["keys"]
    assert (key["kty"], key["alg"]) == ("oct", "HS256")


def test_tokens_are_required_on_task_routes_only_and_exp_always(tmp_path):
    jwt = http_filters(config_of(tmp_path))["envoy.filters.http.jwt_authn"]
    provider = jwt["providers"]["shared_secret"]
    assert provider["require_expiration"] is True
    assert provider["forward"] is False
    assert provider["from_headers"] == [{"name": "authorization", "value_prefix": "Bearer "}]
    assert "from_params" not in provider  # the edge filter handles access_token
    assert "issuer" not in provider and "audiences" not in provider
    rules = [(r["match"], "requires" in r) for r in jwt["rules"]]
    assert rules == [
        ({"path": "/dataquality.task.v1.TaskService/ListTools"}, False),
        ({"path": "/dataquality.task.v1.TaskService/GetTool"}, False),
        ({"prefix": "/tasks"}, True),
        ({"prefix": "/dataquality.task.v1.TaskService/"}, True),
    ]


def test_issuer_audience_and_a_second_provider(tmp_path):
    jwks = tmp_path / "idp.json"
    jwks.write_text('{"keys": []}')
    jwt = http_filters(
        config_of(
            tmp_path,
            jwt_issuer="auth-service",
            jwt_audiences="web, mobile",
            jwks_file=jwks,
            jwks_audiences="api",
        )
    )["envoy.filters.http.jwt_authn"]
    assert jwt["providers"]["shared_secret"]["issuer"] == "auth-service"
    assert jwt["providers"]["shared_secret"]["audiences"] == ["web", "mobile"]
    assert jwt["providers"]["identity_provider"]["audiences"] == ["api"]
    requirement = jwt["rules"][2]["requires"]
    assert requirement == {
        "requires_any": {
            "requirements": [
                {"provider_name": "shared_secret"},
                {"provider_name": "identity_provider"},
            ]
        }
    }


def test_a_jwks_url_gets_its_own_tls_cluster(tmp_path):
    config = yaml.safe_load(
        render(GatewaySettings(jwks_url="https://idp.example.com/keys"), tmp_path)
    )
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    assert set(clusters) == {"task_service", "jwks"}
    tls = clusters["jwks"]["transport_socket"]["typed_config"]
    assert tls["sni"] == "idp.example.com"
    remote = http_filters(config)["envoy.filters.http.jwt_authn"]["providers"]["identity_provider"][
        "remote_jwks"
    ]
    assert remote["http_uri"] == {
        "uri": "https://idp.example.com/keys",
        "cluster": "jwks",
        "timeout": "5s",
    }


def test_identity_checks_are_configured_in_the_lua_filter(tmp_path):
    filters = http_filters(config_of(tmp_path, jwt_max_age_seconds=86400, jwt_required_type=""))
    code = filters["dataquality.identity"]["default_source_code"]["inline_string"]
    assert code.startswith('REQUIRED_TYPE = ""\nMAX_AGE_SECONDS = 86400\n')
    edge = filters["dataquality.edge"]["default_source_code"]["inline_string"]
    assert "access_token" in edge and "x-user-id" in edge
    names = list(filters)
    assert names == [
        "envoy.filters.http.cors",
        "dataquality.edge",
        "envoy.filters.http.jwt_authn",
        "dataquality.identity",
        "envoy.filters.http.buffer",
        "envoy.filters.http.grpc_json_transcoder",
        "envoy.filters.http.router",
    ]


def test_only_task_service_is_transcoded_with_the_contract_options(tmp_path):
    config = config_of(tmp_path)
    options = http_filters(config)["envoy.filters.http.grpc_json_transcoder"]
    assert options["services"] == ["dataquality.task.v1.TaskService"]
    assert options["print_options"]["preserve_proto_field_names"] is True
    assert options["print_options"]["always_print_primitive_fields"] is True
    assert options["convert_grpc_status"] is True
    assert options["ignore_unknown_query_parameters"] is True
    assert options["max_request_body_size"] == 4 * 1024 * 1024
    assert options["request_validation_options"] == {
        "reject_unknown_method": True,
        "reject_unknown_query_parameters": False,
        "reject_binding_body_field_collisions": True,
    }
    clusters = [c["name"] for c in config["static_resources"]["clusters"]]
    assert clusters == ["task_service"]


def test_access_log_paths_carry_no_query(tmp_path):
    log = connection_manager(config_of(tmp_path))["access_log"][0]["typed_config"]["log_format"]
    fields = log["json_format"]
    assert fields["path"].startswith("%REQ_WITHOUT_QUERY(")
    assert fields["grpc_path"].startswith("%REQ_WITHOUT_QUERY(")
    assert not [v for v in fields.values() if "PATH)" in v and "WITHOUT_QUERY" not in v]


def test_every_error_code_of_the_gateway_is_documented():
    documented = set(error_reason_pb2.ErrorReason.keys())
    text = (GATEWAY_DIR / "envoy.yaml.template").read_text()
    codes = set(re.findall(r"error_code: ([A-Z_0-9]+)", text))
    lua = (GATEWAY_DIR / "edge.lua").read_text()
    codes |= set(re.findall(r'"([A-Z][A-Z_0-9]+)", "', lua))
    assert len(codes) >= 8
    assert codes <= documented, codes - documented


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
def test_cors_origins(tmp_path, origins, expected):
    host = connection_manager(config_of(tmp_path, cors_origins=origins))["route_config"][
        "virtual_hosts"
    ][0]
    policy = host["typed_per_filter_config"]["envoy.filters.http.cors"]
    assert policy["allow_origin_string_match"] == expected


def test_cors_defaults_to_the_frontends_origins_with_credentials(tmp_path):
    host = connection_manager(config_of(tmp_path))["route_config"]["virtual_hosts"][0]
    policy = host["typed_per_filter_config"]["envoy.filters.http.cors"]
    assert [m["exact"] for m in policy["allow_origin_string_match"]] == CONTRACT_ORIGINS.split(",")
    assert "http://localhost:5173" in CONTRACT_ORIGINS
    assert policy["allow_credentials"] is True
    assert "authorization" in policy["allow_headers"]


def test_every_service_binds_loopback_by_default(tmp_path):
    config = config_of(tmp_path)
    listener = config["static_resources"]["listeners"][0]["address"]["socket_address"]
    assert listener["address"] == "127.0.0.1" and listener["port_value"] == 8080
    assert config["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"
