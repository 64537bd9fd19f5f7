"""dqclient's tokens: HS256 JWTs as the existing auth service issues them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat

import pytest

from dqclient.__main__ import main
from dqclient.tokens import (
    DEV_SECRET_FILE,
    SECRET_ENV,
    access_token,
    ensure_dev_secret,
    load_secret,
)

pytestmark = pytest.mark.unit
SECRET = "k" * 40


def decode(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_access_tokens_have_the_auth_services_claims_and_a_valid_signature():
    token = access_token("alice@example.com", SECRET, ttl_seconds=60, now=1_000_000)
    head, body, signature = token.split(".")
    assert decode(head) == {"alg": "HS256", "typ": "JWT"}
    assert decode(body) == {
        "sub": "alice@example.com",
        "iat": 1_000_000,
        "exp": 1_000_060,
        "type": "access",
    }
    expected = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)) == expected


def test_the_dev_secret_is_private_stable_and_found(tmp_path, monkeypatch):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert load_secret(tmp_path) is None
    secret = ensure_dev_secret(tmp_path)
    assert len(secret) >= 32 and ensure_dev_secret(tmp_path) == secret
    assert stat.S_IMODE((tmp_path / DEV_SECRET_FILE).stat().st_mode) == 0o600
    assert load_secret(tmp_path) == secret
    monkeypatch.setenv(SECRET_ENV, SECRET)
    assert load_secret(tmp_path) == SECRET


def test_the_token_command_prints_a_token(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    assert main(["token", "bob@example.com", "--ttl", "120"]) == 0
    token = capsys.readouterr().out.strip()
    claims = decode(token.split(".")[1])
    assert claims["sub"] == "bob@example.com" and claims["exp"] - claims["iat"] == 120
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv("DEVSTACK_VAR_DIR", str(tmp_path))
    assert main(["token", "bob@example.com"]) == 2
    assert "GATEWAY_JWT_SECRET" in capsys.readouterr().err
