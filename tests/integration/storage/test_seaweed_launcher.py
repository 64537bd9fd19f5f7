"""The SeaweedFS launcher against the real binary: every listening port is
one we chose, two instances run side by side, and stopping cleans up."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from devstack.seaweed import SeaweedFS
from tests.support.seaweed_fixture import start_seaweedfs

pytestmark = pytest.mark.integration


def _listening_ports(pid: int) -> set[int]:
    """TCP ports ``pid`` listens on (from /proc, no external tools)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd) if fd.is_symlink() else ""
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _wait_for_ports(weed: SeaweedFS, timeout: float = 10.0) -> set[int]:
    assert weed.pid is not None
    deadline = time.monotonic() + timeout
    while True:  # the admin server starts a little after S3
        ports = _listening_ports(weed.pid)
        if ports >= set(weed.ports.all()) or time.monotonic() > deadline:
            return ports
        time.sleep(0.1)


def test_only_pinned_ports_and_private_credentials(seaweedfs: SeaweedFS) -> None:
    assert _wait_for_ports(seaweedfs) == set(seaweedfs.ports.all())
    mode = stat.S_IMODE(seaweedfs.identities_path.stat().st_mode)
    assert mode == 0o600


def test_second_instance_side_by_side_and_cleanup(seaweedfs: SeaweedFS, tmp_path: Path) -> None:
    second = start_seaweedfs(tmp_path / "second")
    try:
        assert not set(second.ports.all()) & set(seaweedfs.ports.all())
        assert _wait_for_ports(second) == set(second.ports.all())
        second.create_bucket("dq-second")
        assert [b["Name"] for b in second.client().list_buckets()["Buckets"]] == ["dq-second"]
        assert "dq-second" not in [b["Name"] for b in seaweedfs.client().list_buckets()["Buckets"]]
    finally:
        second.kill()  # SIGKILL: weed cannot remove its own sockets
    assert not second.alive()
    leftovers = [
        path
        for port in second.ports.all()
        for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock")
    ]
    assert leftovers == []
    assert seaweedfs.alive()
