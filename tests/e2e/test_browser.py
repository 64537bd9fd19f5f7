"""The whole flow in a real browser: headless Chromium (Debian's
``chromium`` package, installed by ``make``) loads a page from an allowed
origin and runs it with ``fetch`` and ``EventSource``: create, upload URLs,
PUT straight to the object store, PUT parameters.json, process, the event
stream to the terminal event, downloads, the JSON report from the store.
The page reports every step; the test fails if any step fails."""

from __future__ import annotations

import http.server
import json
import queue
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from devstack.processes import ManagedProcess
from devstack.stack import BUCKET
from tests.e2e.conftest import ALICE, extra_gateway, token_for

pytestmark = pytest.mark.e2e

PAGE = Path(__file__).with_name("browser_flow.html")
CSV = "customer_id,email,age,city\n" + "".join(
    f"{i},user{i}@example.com,{20 + i % 50},{['Paris', 'Lyon', 'Nice'][i % 3]}\n"
    for i in range(300)
)
STEPS = [
    "GET /tools without a token",
    "GET /tools/{id}",
    "POST /tasks (201)",
    "POST upload-urls (no size, has_parameters)",
    "PUT the file straight to the object store",
    "PUT parameters.json built like the form",
    "POST process",
    "EventSource until the terminal event",
    "GET /tasks/{id}",
    "GET /tasks?limit=20",
    "GET downloads",
    "GET report",
    "GET the JSON report from the object store",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    return found


class PageServer:
    """Serves the page (with ``config``, set once known) on 127.0.0.1 and
    collects the result it posts back."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self.results: queue.Queue[dict[str, Any]] = queue.Queue()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                page = PAGE.read_text().replace("/*CONFIG*/null", json.dumps(owner.config))
                body = page.encode() if self.path.startswith("/flow") else b""
                self.send_response(200 if body else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                owner.results.put(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> PageServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def allow_browser_uploads(stack, origin: str) -> None:
    """The bucket's CORS rules (README "Pointing at real Backblaze B2")."""
    s3 = stack.seaweed.client()
    s3.put_bucket_cors(
        Bucket=BUCKET,
        CORSConfiguration={
            "CORSRules": [
                {
                    "AllowedOrigins": [origin],
                    "AllowedMethods": ["PUT", "GET", "HEAD"],
                    "AllowedHeaders": ["content-type"],
                    "ExposeHeaders": ["ETag"],
                    "MaxAgeSeconds": 3600,
                }
            ]
        },
    )


def test_the_frontends_flow_in_headless_chromium(stack, tmp_path):
    browser = chromium()
    with PageServer() as server:
        origin = f"http://localhost:{server.port}"
        allow_browser_uploads(stack, origin)
        with extra_gateway(stack, tmp_path / "gateway", cors_origins=origin) as api:
            server.config = {
                "api": api,
                "token": token_for(stack, ALICE),
                "tool": "profile-my-data",
                "csv": CSV,
            }
            process = ManagedProcess(
                "chromium",
                [
                    browser,
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--disable-extensions",
                    "--enable-logging=stderr",
                    f"--user-data-dir={tmp_path / 'profile'}",
                    f"{origin}/flow.html",
                ],
                log_path=tmp_path / "chromium.log",
            )
            process.start()
            try:
                result = server.results.get(timeout=150)
            except queue.Empty:
                pytest.fail(f"the page never reported:\n{process.log_tail(60)}")
            finally:
                process.terminate(timeout=10)
    failed = [s for s in result["steps"] if not s["ok"]]
    assert not failed, json.dumps(failed, indent=2)
    assert result["ok"] is True
    assert [s["step"] for s in result["steps"]] == STEPS
