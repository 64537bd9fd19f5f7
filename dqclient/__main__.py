"""``python -m dqclient data.csv``: runs the whole flow for a local file
against the gateway and prints the download links.

    python -m dqclient data.csv --tool profile-my-data --agents unified-profiler \\
        --parameters '{"unified-profiler": {"top_n_values": 5}}'
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
from pathlib import Path

from dqclient.client import ApiError, TaskClient


def main(argv: list[str] | None = None) -> int:
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
    parser.add_argument("--user", default="demo", help="sent as x-user-id")
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args(argv)

    parameters = {}
    if args.parameters:
        text = (
            Path(args.parameters[1:]).read_text()
            if args.parameters.startswith("@")
            else args.parameters
        )
        parameters = json.loads(text)
    client = TaskClient(args.base_url, args.user)
    files = {"primary": args.file}
    if args.baseline:
        files["baseline"] = args.baseline
    try:
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
        client.process(task_id)

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
    except ApiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
