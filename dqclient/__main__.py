"""The small client of the REST API.

python -m dqclient token USER_ID [--ttl SECONDS]
    prints an access token for USER_ID (an e-mail, as the auth service
    issues them) signed with GATEWAY_JWT_SECRET or the dev stack's
    secret (var/jwt-secret): the running dev stack accepts it.

python -m dqclient data.csv [--tool profile-my-data] [--agents unified-profiler]
        [--parameters '{"unified-profiler": {"top_n_values": 5}}'] [--token TOKEN]
    runs the whole flow for a local file and prints the download links;
    the token comes from --token, DQ_TOKEN, or is signed for --user.
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import sys
from pathlib import Path

from dqclient.client import ApiError, TaskClient
from dqclient.tokens import DEFAULT_TTL_SECONDS, access_token, load_secret

NO_KEY_HELP = (
    "nothing to sign tokens with: set GATEWAY_JWT_SECRET, or run `make run` once (it creates "
    "var/jwt-secret), or pass a token with --token / DQ_TOKEN"
)


def token_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m dqclient token")
    parser.add_argument("user_id", help="the token's subject (the user's e-mail)")
    parser.add_argument("--ttl", type=int, default=DEFAULT_TTL_SECONDS, help="lifetime, seconds")
    args = parser.parse_args(argv)
    secret = load_secret()
    if secret is None:
        print(f"error: {NO_KEY_HELP}", file=sys.stderr)
        return 2
    print(access_token(args.user_id, secret, ttl_seconds=args.ttl))
    return 0


def run_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m dqclient",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="the primary CSV file")
    parser.add_argument("--baseline", type=Path, help="a baseline CSV (drift detection)")
    parser.add_argument("--tool", default="profile-my-data")
    parser.add_argument("--agents", nargs="*", default=[], help="default: every available agent")
    parameters_help = "JSON object keyed by agent id, or @file.json"
    parser.add_argument("--parameters", default="", help=parameters_help)
    parser.add_argument("--base-url", default="http://127.0.0.1:8080")
    parser.add_argument("--token", default=os.environ.get("DQ_TOKEN", ""))
    parser.add_argument("--user", default="demo@example.com", help="subject of a signed token")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)

    token = args.token
    if not token:
        secret = load_secret()
        if secret is None:
            print(f"error: {NO_KEY_HELP}", file=sys.stderr)
            return 2
        token = access_token(args.user, secret)
    parameters = {}
    if args.parameters:
        text = (
            Path(args.parameters[1:]).read_text()
            if args.parameters.startswith("@")
            else args.parameters
        )
        parameters = json.loads(text)
    client = TaskClient(args.base_url, token)
    files = {"primary": args.file}
    if args.baseline:
        files["baseline"] = args.baseline
    try:
        return _flow(client, args, files, parameters)
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _flow(
    client: TaskClient, args: argparse.Namespace, files: dict[str, Path], parameters: dict
) -> int:
    task = client.create_task(args.tool, args.agents, parameters)
    task_id = task["task_id"]
    print(f"task {task_id} created ({', '.join(task['agents'])})")
    declared = {
        slot: {
            "filename": path.name,
            "content_type": mimetypes.guess_type(path.name)[0] or "text/csv",
            "size_bytes": path.stat().st_size,
        }
        for slot, path in files.items()
    }
    uploads = client.upload_urls(task_id, declared)["uploads"]
    for slot, path in files.items():
        client.put_file(uploads[slot], path)
        print(f"uploaded {path} ({path.stat().st_size} bytes) as {uploads[slot]['key']}")
    started = client.process(task_id)
    print(f"  {started['status']:<11} {started['progress']:>3}%  {started['message']}")

    def show(t: dict) -> None:
        detail = t["progress_detail"]
        print(
            f"  {t['status']:<11} {t['progress']:>3}%  {detail['current_stage']}"
            f"{' (' + detail['current_agent'] + ')' if detail['current_agent'] else ''}"
        )

    final = client.wait(task_id, timeout=args.timeout, on_change=show)
    if final["status"] != "COMPLETED":
        print(
            f"task ended {final['status']}: {final['error_code']} {final['error_message']}",
            file=sys.stderr,
        )
        return 1
    for outcome in final.get("agent_results", []):
        print(
            f"agent {outcome['agent_id']}: {outcome['status']}"
            f"{' ' + outcome['error_message'] if outcome['error_message'] else ''}"
        )
    print("downloads (valid 1 hour):")
    for item in client.downloads(task_id)["downloads"]:
        print(f"  {item['filename']} ({item['size_bytes']} bytes)\n    {item['url']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "token":
        return token_main(args[1:])
    return run_main(args)


if __name__ == "__main__":
    sys.exit(main())
