"""``python -m devstack.healthcheck HOST:PORT [SERVICE]``: exits 0 when the
gRPC health service there answers SERVING (container health checks)."""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def check(target: str, service: str = "", timeout: float = 3.0) -> bool:
    """True when ``service`` ("" = the whole server) at ``target`` is SERVING."""
    with grpc.insecure_channel(target) as channel:
        try:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            )
        except grpc.RpcError:
            return False
    return response.status == health_pb2.HealthCheckResponse.SERVING


def main() -> None:
    args = sys.argv[1:]
    if not args:
        sys.exit("usage: python -m devstack.healthcheck HOST:PORT [SERVICE]")
    ok = check(args[0], args[1] if len(args) > 1 else "")
    print("SERVING" if ok else "NOT_SERVING")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
