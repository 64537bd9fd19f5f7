"""The SeaweedFS launcher's command line (no process is started here)."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.seaweed import GRPC_PORT_OFFSET, SeaweedFS, SeaweedPorts

pytestmark = pytest.mark.unit


def _flags(argv: list[str]) -> dict[str, str]:
    return dict(arg[1:].split("=", 1) for arg in argv if arg.startswith("-") and "=" in arg)


def test_every_port_is_pinned(tmp_path: Path) -> None:
    ports = SeaweedPorts(s3=18001, master=18002, volume=18003, filer=18004, admin=18005)
    weed = SeaweedFS(tmp_path, ports=ports)
    flags = _flags(weed.argv())
    pinned = {
        "s3.port": 18001, "master.port": 18002, "volume.port": 18003, "filer.port": 18004,
        "admin.port": 18005,
    }  # fmt: skip
    for flag, port in pinned.items():
        assert flags[flag] == str(port)
        assert flags[f"{flag}.grpc"] == str(port + GRPC_PORT_OFFSET)
    assert flags["s3.port.iceberg"] == "0"
    assert flags["s3.port.lance"] == "0"
    assert flags["ip"] == flags["ip.bind"] == "127.0.0.1"
    assert flags["admin.ui"] == "false"
    assert flags["webdav"] == "false"
    assert flags["master.telemetry"] == "false"
    assert flags["filer.localSocket"] == str(tmp_path / "data" / "filer.sock")
    assert flags["s3.localSocket"] == str(tmp_path / "data" / "s3.sock")
    assert flags["s3.config"] == str(weed.identities_path)
    assert sorted(ports.all()) == sorted([*ports.http(), *(p + 10000 for p in ports.http())])


def test_long_directories_keep_default_socket_paths(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120)
    flags = _flags(SeaweedFS(deep, ports=SeaweedPorts.defaults()).argv())
    assert "filer.localSocket" not in flags
    assert "s3.localSocket" not in flags


def test_free_ports_stay_below_the_ephemeral_range() -> None:
    ports = SeaweedPorts.free()
    assert len(set(ports.all())) == 10
    assert all(1024 < port < 32768 for port in ports.all())


def test_credentials_and_environment(tmp_path: Path) -> None:
    generated = SeaweedFS(tmp_path / "a")
    other = SeaweedFS(tmp_path / "b")
    assert generated.access_key != other.access_key
    assert len(generated.secret_key) >= 32
    given = SeaweedFS(tmp_path / "c", ports=SeaweedPorts.defaults(), access_key="AK",
                      secret_key="SK")  # fmt: skip
    assert given.endpoint_url == "http://127.0.0.1:8333"
    assert given.env("dq-bucket") == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:8333",
        "AWS_ACCESS_KEY_ID": "AK",
        "AWS_SECRET_ACCESS_KEY": "SK",
        "AWS_REGION": "us-east-005",
        "S3_BUCKET": "dq-bucket",
    }
    assert "S3_BUCKET" not in given.env()
