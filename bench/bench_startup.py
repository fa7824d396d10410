"""Server start-up: from launching `session-lsp serve` to the answer to `initialize`.

Issue 8 item 19: pydantic cost about 300 ms of every start for three settings. The baseline,
measured in the same run, is the bare interpreter (`python -c pass`) and, for scale, the cost of
importing pydantic alone; the server must not pay the latter. Each figure is the median of
alternating repetitions, so a noisy neighbour hurts every side alike.

    python bench/bench_startup.py [--repeat 9] [--source PATH]

`--source` points at another checkout (for example the main branch) to compare before/after.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _environment(source: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(source)}


def _initialize_seconds(source: Path) -> float:
    """Launch the server, send `initialize`, wait for its answer, then shut it down."""
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    ).encode()
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "session_lsp", "serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_environment(source),
        cwd="/",
    )
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    server.stdin.flush()
    length = 0
    while (header := server.stdout.readline()) not in (b"\r\n", b""):
        if header.lower().startswith(b"content-length:"):
            length = int(header.split(b":")[1])
    reply = json.loads(server.stdout.read(length))
    elapsed = time.perf_counter() - start
    assert "capabilities" in reply["result"], reply
    server.kill()
    server.wait()
    return elapsed


def _python_seconds(code: str, source: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=_environment(source), cwd="/")
    return time.perf_counter() - start


def _imports_pydantic(source: Path) -> bool:
    probe = "import sys, session_lsp.lsp.main; print('pydantic' in sys.modules)"
    output = subprocess.run(
        [sys.executable, "-c", probe],
        check=True,
        capture_output=True,
        text=True,
        env=_environment(source),
        cwd="/",
    )
    return output.stdout.strip() == "True"


def _settings_import_ms(source: Path) -> float:
    """Cumulative import time of the settings module (`-X importtime`), pydantic included."""
    output = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import session_lsp.lsp.main"],
        check=True,
        capture_output=True,
        text=True,
        env=_environment(source),
        cwd="/",
    )
    for line in output.stderr.splitlines():
        fields = line.split("|")
        if len(fields) == 3 and fields[2].strip() == "session_lsp.lsp.settings":
            return int(fields[1]) / 1000
    return float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--against", type=Path, help="another checkout, measured alternately")
    arguments = parser.parse_args(argv)
    sources = [arguments.source.resolve()]
    if arguments.against is not None:
        sources.append(arguments.against.resolve())
    bare, pydantic = [], []
    server: dict[Path, list[float]] = {source: [] for source in sources}
    settings: dict[Path, list[float]] = {source: [] for source in sources}
    for _ in range(arguments.repeat):
        for source in sources:
            settings[source].append(_settings_import_ms(source))
        bare.append(_python_seconds("pass", sources[0]))
        pydantic.append(_python_seconds("import pydantic, pydantic.alias_generators", sources[0]))
        for source in sources:
            server[source].append(_initialize_seconds(source))
    bare_ms = statistics.median(bare) * 1000
    pydantic_ms = statistics.median(pydantic) * 1000 - bare_ms
    print(f"bare interpreter:            {bare_ms:7.0f} ms")
    print(f"importing pydantic alone:    {pydantic_ms:7.0f} ms over the bare interpreter")
    first_ms = statistics.median(server[sources[0]]) * 1000
    for source in sources:
        median_ms = statistics.median(server[source]) * 1000
        print(
            f"launch to initialize answer: {median_ms:7.0f} ms ({median_ms / bare_ms:.1f}x bare,"
            f" {median_ms / first_ms:.2f}x the first) - {source}"
        )
        print(
            f"  settings module import:    {statistics.median(settings[source]):7.0f} ms,"
            f" server imports pydantic: {_imports_pydantic(source)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
