"""Time and peak memory of `check` and `sessions` on files built to exhaust them (issue 15, item 11).

Target: each gets a located finding or a clear refusal within 60 s and 1 GB. The baseline,
measured in the same run, is `check` of the repository's example session. Cases: a 1 GB sparse
file (refused by its size), a sparse file just under the 256 MB limit (the largest one read: one
line of NUL bytes, the costliest shape per byte), one line holding a million tool calls,
`show` of a Codex rollout whose one `wait` call names 100,000 agents, and `show` of a session
whose `subagents/` folder holds 100,000 transcripts, or with 100,000 2.0.x agent files beside it.

    python bench/bench_hostile_limits.py

Measured (2 shared cores): before the change, a 1 GB sparse file made `sessions` peak at 4.2 GB
and `check` at 3.2 GB (issue 15), and `check` of the million-call line took 23 s and 1.96 GB
(one finding per call); after it:

    check, example session (baseline)        0.2 s     20 MB
    check, 1 GB sparse                       0.1 s     20 MB  refused: larger than 256 MB
    sessions, 1 GB sparse                    0.1 s     20 MB  listed unreadable
    check, 250 MB sparse                     1.5 s    770 MB  truncated-line at 1:1
    sessions, 250 MB sparse                  1.1 s    770 MB  listed broken
    check, 1,000,000 calls on one line       0.5 s    396 MB  invalid-json at 1:1
    show, a wait on 100,000 Codex agents     0.3 s     61 MB  (before the fix: 50.6 s)
    show, 100,000 sub-agent files            2.2 s     83 MB  (4,096 read, the rest named)
    show, 100,000 agent files beside it      1.4 s     61 MB  (4,096 opened to learn whose)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from peak import WITH_PEAK  # noqa: E402

SESSION = "11111111-1111-4111-8111-111111111111"


def _measure(home: Path, *arguments: str) -> tuple[float, float, str]:
    """Seconds, peak RSS in MB (the command's own process), and its last line of output."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", WITH_PEAK, *arguments],
        capture_output=True,
        text=True,
        cwd=home,
        env={
            **os.environ,
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(home / ".claude"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "PYTHONPATH": str(REPO),
            "NO_COLOR": "1",
        },
        check=False,
    )
    seconds = time.perf_counter() - start
    *said, peak = done.stderr.splitlines()
    last = (done.stdout.splitlines() or said or [""])[-1]
    return seconds, int(peak) / 1024, last[:100]


def _sparse(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)
    return _aged(path)


def _aged(path: Path) -> Path:
    moment = time.time() - 3600
    os.utime(path, (moment, moment))
    return path


def _million_calls(path: Path) -> Path:
    calls = ",".join(
        f'{{"type":"tool_use","id":"toolu_{number}","name":"Bash","input":{{}}}}'
        for number in range(1_000_000)
    )
    record = {"type": "assistant", "uuid": "a1", "parentUuid": None, "sessionId": "s"}
    record["message"] = {"role": "assistant", "content": ["CALLS"]}
    path.write_text(json.dumps(record).replace('"CALLS"', calls) + "\n")
    return _aged(path)


def _agent_ids(path: Path) -> Path:
    """A Codex rollout whose one `wait` call names 100,000 agents (read while the model is built:
    an id list kept unique by a scan per id took 43 s)."""
    arguments = json.dumps({"ids": [f"019e0000-0000-7000-8000-{n:012d}" for n in range(100_000)]})
    records = [
        {
            "timestamp": "2026-05-11T08:27:17.490Z",
            "type": "session_meta",
            "payload": {"id": "019e1625-789d-76c0-80ab-3724b5ddb799"},
        },
        {
            "timestamp": "2026-05-11T08:27:18.000Z",
            "type": "response_item",
            "payload": {
                "type": "function_call",
                "name": "wait",
                "arguments": arguments,
                "call_id": "call_w",
            },
        },
        {
            "timestamp": "2026-05-11T08:27:19.000Z",
            "type": "response_item",
            "payload": {"type": "function_call_output", "call_id": "call_w", "output": "timed out"},
        },
    ]
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return _aged(path)


def _sub_agents(path: Path, files: int, *, beside: bool = False) -> Path:
    """A session with `files` small sub-agent transcripts in its `subagents/` folder (2.1.x), or
    beside it (2.0.x `agent-*.jsonl`, each naming the session): its sub-agent total reads 4,096
    of them and names the rest not read (each read for the total, with no bound, took 6.2 s for
    20,000); beside it, only 4,096 are opened to learn whose they are."""
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO / "examples" / "interrupted-parallel-tools.jsonl", path)
    folder = path.parent if beside else path.parent / path.stem / "subagents"
    folder.mkdir(parents=True, exist_ok=True)
    agent = {
        "type": "assistant",
        "uuid": "a1",
        "parentUuid": None,
        "isSidechain": True,
        "sessionId": "491e126e-1e71-469c-ade2-fcc8af567c74",  # the example's
        "requestId": "req_1",
        "message": {
            "id": "msg_1",
            "role": "assistant",
            "content": [{"type": "text", "text": "done"}],
            "usage": {"input_tokens": 10, "output_tokens": 3},
        },
    }
    line = (json.dumps(agent) + "\n").encode()
    for number in range(files):
        (folder / f"agent-a{number:08x}.jsonl").write_bytes(line)
    return _aged(path)


def main() -> int:
    out = BENCH / "out" / "hostile-limits"
    shutil.rmtree(out, ignore_errors=True)
    project = out / ".claude" / "projects" / "-work"
    out.mkdir(parents=True)
    example = out / "example.jsonl"
    shutil.copyfile(REPO / "examples" / "interrupted-parallel-tools.jsonl", example)
    _aged(example)
    rows: list[tuple[str, tuple[float, float, str]]] = []
    rows.append(("check, example session (baseline)", _measure(out, "check", str(example))))
    big = _sparse(project / f"{SESSION}.jsonl", 1024**3)
    rows.append(("check, 1 GB sparse", _measure(out, "check", str(big))))
    rows.append(("sessions, 1 GB sparse", _measure(out, "sessions", "--all")))
    big.unlink()
    largest = _sparse(project / f"{SESSION}.jsonl", 250 * 1024**2)
    rows.append(("check, 250 MB sparse", _measure(out, "check", str(largest))))
    rows.append(("sessions, 250 MB sparse", _measure(out, "sessions", "--all")))
    calls = _million_calls(out / "calls.jsonl")
    rows.append(("check, 1,000,000 calls on one line", _measure(out, "check", str(calls))))
    waits = _agent_ids(
        out / "rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl"
    )
    rows.append(
        ("show, a wait on 100,000 Codex agents", _measure(out, "show", "--brief", str(waits)))
    )
    crowded = _sub_agents(out / f"{SESSION}.jsonl", 100_000)
    rows.append(("show, 100,000 sub-agent files", _measure(out, "show", str(crowded))))
    beside = _sub_agents(out / "beside" / f"{SESSION}.jsonl", 100_000, beside=True)
    rows.append(("show, 100,000 agent files beside it", _measure(out, "show", str(beside))))
    base_s, base_mb, _ = rows[0][1]
    for label, (seconds, megabytes, last) in rows:
        print(f"{label:<38} {seconds:5.1f} s {megabytes:6.0f} MB  {last}")
    worst_s = max(seconds for _, (seconds, _, _) in rows)
    worst_mb = max(megabytes for _, (_, megabytes, _) in rows)
    print(
        f"worst: {worst_s:.1f} s (target 60 s; {worst_s / base_s:.0f}x the baseline),"
        f" {worst_mb:.0f} MB (target 1024 MB; {worst_mb / base_mb:.0f}x the baseline)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
