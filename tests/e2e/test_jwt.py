"""Bearer tokens verified at the gateway (jwt_authn and the identity
filter), through the real Envoy: HS256 tokens of the existing auth service,
RS256/ES256 tokens against a JWKS file or URL, issuer, audience and age
limits, identity headers from clients ignored, the EventSource token."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from dqclient.client import TaskClient
from dqclient.tokens import access_token, sign_hs256
from tests.e2e.conftest import ALICE, MALLORY, extra_gateway, token_for
from tests.support.jwt_keys import SigningKey, claims, jwks

pytestmark = pytest.mark.e2e

INVALID = {"detail": "Invalid or expired token", "error_code": "AUTH_009"}
MISSING = {"detail": "Not authenticated", "error_code": "AUTHENTICATION_REQUIRED"}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def get_tasks(base: str, authorization: str | None = None, **headers: str) -> requests.Response:
    if authorization is not None:
        headers["Authorization"] = authorization
    return requests.get(f"{base}/tasks", headers=headers, timeout=10)


def assert_invalid(response: requests.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json() == INVALID
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.fixture(scope="module")
def secret(stack) -> str:
    return stack.jwt_secret


def test_a_token_of_the_auth_service_is_accepted(stack, secret):
    # As the auth service signs them: sub = e-mail, exp, iat, type access.
    token = access_token("carol@example.com", secret, ttl_seconds=365 * 24 * 3600)
    created = requests.post(
        f"{stack.base_url}/tasks",
        json={"tool_id": "profile-my-data"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert created.status_code == 201
    assert created.json()["user_id"] == "carol@example.com"
    assert get_tasks(stack.base_url, f"bearer {token}").status_code == 200  # any case
    assert get_tasks(stack.base_url, f"BEARER  {token} ").status_code == 200
    without_type = sign_hs256(
        {"sub": "carol@example.com", "iat": int(time.time()), "exp": int(time.time()) + 60},
        secret,
    )
    assert get_tasks(stack.base_url, f"Bearer {without_type}").status_code == 200


def test_bad_tokens_are_refused_before_any_service_is_called(stack, secret):
    now = int(time.time())
    valid_claims = {"sub": ALICE, "iat": now, "exp": now + 600, "type": "access"}
    unsigned = b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(json.dumps(valid_claims).encode())
    cases = {
        "expired": access_token(ALICE, secret, now=now - 7200, ttl_seconds=3600),
        "wrong signature": access_token(ALICE, secret + "-other"),
        "alg none": unsigned + ".",
        "alg none, no signature part": unsigned,
        "no exp": sign_hs256({"sub": ALICE, "iat": now, "type": "access"}, secret),
        "no sub": sign_hs256({"iat": now, "exp": now + 600, "type": "access"}, secret),
        "empty sub": access_token("", secret),
        "not an access token": access_token(ALICE, secret, type="refresh"),
        "not before in the future": access_token(ALICE, secret, nbf=now + 3600),
        "garbage": "not.a.token",
        "tampered payload": _tampered(access_token(ALICE, secret)),
    }
    task_log = stack.var / "logs" / "task.log"
    for name, token in cases.items():
        response = get_tasks(stack.base_url, f"Bearer {token}")
        assert_invalid(response)
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"', name
        request_id = response.headers["x-request-id"]
        time.sleep(0.05)
        assert request_id not in task_log.read_text(), f"{name}: TaskService was called"

    for authorization in (None, "Basic YWxpY2U6c2VjcmV0", "Bearer", ""):
        response = get_tasks(stack.base_url, authorization)
        assert response.status_code == 401 and response.json() == MISSING, authorization
        assert response.headers["www-authenticate"] == "Bearer"


def _tampered(token: str) -> str:
    head, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["sub"] = MALLORY
    return ".".join((head, b64(json.dumps(data).encode()), signature))


def test_an_identity_header_from_the_client_is_ignored(stack, secret):
    token = token_for(stack, ALICE)
    for header in ("x-user-id", "X-User-Id", "x-forwarded-user", "x-jwt-payload"):
        created = requests.post(
            f"{stack.base_url}/tasks",
            json={"tool_id": "profile-my-data"},
            headers={"Authorization": f"Bearer {token}", header: MALLORY},
            timeout=10,
        )
        assert created.status_code == 201
        assert created.json()["user_id"] == ALICE, header
    mallory = TaskClient(stack.base_url, token_for(stack, MALLORY))
    assert all(t["task_id"] for t in mallory.list()["tasks"])
    assert created.json()["task_id"] not in [t["task_id"] for t in mallory.list()["tasks"]]
    # Without a token, a forged identity gets nowhere.
    assert get_tasks(stack.base_url, None, **{"x-user-id": ALICE}).status_code == 401


def test_eventsource_may_send_the_token_in_the_query_on_that_route_only(stack, secret):
    alice = TaskClient(stack.base_url, token_for(stack, ALICE))
    task_id = alice.create_task("profile-my-data")["task_id"]
    alice.cancel(task_id)
    events = list(alice.events(task_id, timeout=30, token_in_query=True))
    assert len(events) == 1 and events[0]["task"]["status"] == "CANCELLED"
    # The same parameter elsewhere is no credential.
    for path in (f"/tasks/{task_id}", "/tasks", f"/tasks/{task_id}/report"):
        response = requests.get(
            f"{stack.base_url}{path}", params={"access_token": alice.token}, timeout=10
        )
        assert response.status_code == 401 and response.json() == MISSING, path
    # A bad query token is an invalid token, as in the header.
    response = requests.get(
        f"{stack.base_url}/tasks/{task_id}/events",
        params={"access_token": "not.a.token"},
        timeout=10,
    )
    assert_invalid(response)
    # Other query parameters survive the token's removal.
    listed = requests.get(
        f"{stack.base_url}/tasks",
        params={"access_token": "x", "limit": 1},
        headers={"Authorization": f"Bearer {alice.token}"},
        timeout=10,
    )
    assert listed.status_code == 200 and listed.json()["pagination"]["limit"] == 1
    # No log line ever shows a token.
    time.sleep(0.5)
    for log in [*(stack.var / "logs").glob("*.log"), stack.var / "envoy" / "envoy.log"]:
        text = log.read_text(errors="replace")
        assert alice.token not in text, log.name
        assert "access_token" not in text, log.name
    assert stack.jwt_secret not in (stack.var / "envoy" / "envoy.yaml").read_text()


def test_audience_and_issuer_when_configured(stack, secret, tmp_path):
    with extra_gateway(
        stack, tmp_path / "gw", jwt_audiences="dataquality-api", jwt_issuer="agensium-auth"
    ) as base:
        good = access_token(ALICE, secret, aud="dataquality-api", iss="agensium-auth")
        assert get_tasks(base, f"Bearer {good}").status_code == 200
        for token in (
            access_token(ALICE, secret, iss="agensium-auth"),  # no audience
            access_token(ALICE, secret, aud="another-api", iss="agensium-auth"),
            access_token(ALICE, secret, aud="dataquality-api", iss="someone-else"),
            access_token(ALICE, secret, aud="dataquality-api"),  # no issuer
        ):
            assert_invalid(get_tasks(base, f"Bearer {token}"))


def test_a_maximum_token_age_when_configured(stack, secret, tmp_path):
    with extra_gateway(stack, tmp_path / "gw", jwt_max_age_seconds=60) as base:
        fresh = access_token(ALICE, secret, ttl_seconds=365 * 24 * 3600)
        assert get_tasks(base, f"Bearer {fresh}").status_code == 200
        old = access_token(ALICE, secret, now=time.time() - 120, ttl_seconds=365 * 24 * 3600)
        assert_invalid(get_tasks(base, f"Bearer {old}"))
        no_iat = sign_hs256({"sub": ALICE, "exp": int(time.time()) + 600}, secret)
        assert_invalid(get_tasks(base, f"Bearer {no_iat}"))


def test_rs256_and_es256_tokens_against_a_jwks_file(stack, secret, tmp_path):
    rsa_key, ec_key, stranger = SigningKey.rsa(), SigningKey.ec(), SigningKey.rsa("rsa-1")
    keys = tmp_path / "idp.jwks.json"
    keys.write_text(json.dumps(jwks(rsa_key, ec_key)))
    with extra_gateway(
        stack, tmp_path / "gw", jwks_file=keys, jwks_issuer="https://idp.example.com/"
    ) as base:
        for key in (rsa_key, ec_key):
            token = key.sign(claims("dave|42", iss="https://idp.example.com/"))
            created = requests.post(
                f"{base}/tasks",
                json={"tool_id": "profile-my-data"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert created.status_code == 201, (key.alg, created.text)
            assert created.json()["user_id"] == "dave|42"
        # The shared secret still works beside the identity provider.
        assert get_tasks(base, f"Bearer {token_for(stack, ALICE)}").status_code == 200
        for token in (
            stranger.sign(claims("dave|42", iss="https://idp.example.com/")),
            rsa_key.sign(claims("dave|42")),  # no issuer
            rsa_key.sign({"sub": "dave|42", "iss": "https://idp.example.com/"}),  # no exp
            _confused(rsa_key),
        ):
            assert_invalid(get_tasks(base, f"Bearer {token}"))


def _confused(key: SigningKey) -> str:
    """HS256 signed with the RSA public key as the HMAC secret (algorithm
    confusion): must never verify."""
    public = json.dumps(key.jwk()).encode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    body = b64(json.dumps(claims("dave|42", iss="https://idp.example.com/")).encode())
    signature = hmac.new(public, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


@pytest.fixture
def jwks_server(tmp_path) -> Iterator[tuple[str, SigningKey]]:
    key = SigningKey.rsa("served")
    document = json.dumps(jwks(key)).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json", key
    finally:
        server.shutdown()
        server.server_close()


def test_rs256_tokens_against_a_jwks_url(stack, tmp_path, jwks_server):
    url, key = jwks_server
    with extra_gateway(stack, tmp_path / "gw", jwt_secret=None, jwks_url=url) as base:
        token = key.sign(claims("erin@example.com"))
        deadline = time.monotonic() + 10
        response = get_tasks(base, f"Bearer {token}")
        while response.status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.2)  # the keys are fetched once the listener is up
            response = get_tasks(base, f"Bearer {token}")
        assert response.status_code == 200, response.text
        # Only the identity provider: the shared secret's tokens are refused.
        assert_invalid(get_tasks(base, f"Bearer {token_for(stack, ALICE)}"))


def test_the_gateway_without_a_secret_does_not_start(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "devstack.gateway", "render", "--out", str(tmp_path / "e.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "GATEWAY_JWT_SECRET" in result.stderr
    assert not (tmp_path / "e.yaml").exists() or not (tmp_path / "e.yaml").read_text()
