"""Access tokens like the existing auth service issues them: compact JWTs
signed HS256 with the shared secret, claims ``sub`` (the user's e-mail),
``iat``, ``exp`` and ``type: "access"``.

The gateway verifies them with the same secret (``GATEWAY_JWT_SECRET``).
``make run`` without that variable creates a development secret in
``var/jwt-secret``; :func:`load_secret` finds either.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

SECRET_ENV = "GATEWAY_JWT_SECRET"  # noqa: S105 - a variable name
DEV_SECRET_FILE = "jwt-secret"  # noqa: S105 - a file name
DEFAULT_TTL_SECONDS = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def sign_hs256(
    claims: Mapping[str, Any], secret: str, header: Mapping[str, Any] | None = None
) -> str:
    """A compact JWT of ``claims`` signed with HMAC-SHA256."""
    head = dict(header or {"alg": "HS256", "typ": "JWT"})
    signing_input = (
        _b64(json.dumps(head, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(dict(claims), separators=(",", ":")).encode())
    )
    signature = hmac.new(secret.encode("utf-8"), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


def access_token(
    subject: str,
    secret: str,
    *,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    now: float | None = None,
    **claims: Any,
) -> str:
    """An access token for ``subject`` valid for ``ttl_seconds``."""
    issued = int(time.time() if now is None else now)
    payload = {"sub": subject, "iat": issued, "exp": issued + ttl_seconds, "type": "access"}
    payload.update(claims)
    return sign_hs256(payload, secret)


def var_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_VAR_DIR", "var"))


def load_secret(directory: Path | None = None) -> str | None:
    """``GATEWAY_JWT_SECRET``, else the dev stack's secret file, else None."""
    value = os.environ.get(SECRET_ENV)
    if value:
        return value
    path = (directory or var_dir()) / DEV_SECRET_FILE
    if path.is_file():
        return path.read_text().strip() or None
    return None


def ensure_dev_secret(directory: Path) -> str:
    """The dev stack's secret: kept in ``directory`` (mode 0600), created
    at random the first time."""
    path = directory / DEV_SECRET_FILE
    if path.is_file() and path.read_text().strip():
        return path.read_text().strip()
    directory.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(value)
    return value
