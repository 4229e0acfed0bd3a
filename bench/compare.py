#!/usr/bin/env python3
"""Side-by-side timing of dk-compose and the reference (docker compose v2.40.3).

Runs each case's commands interleaved (ours, reference, ours, ...) so both see the same
machine state, and reports median wall time, median peak RSS and the ratio ours/reference.
A benchmark, not a test: it asserts nothing.

Usage: bench/compare.py [--runs N] [--case config-1000|version|all]
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def reference_binary() -> str:
    explicit = os.environ.get("REFERENCE_COMPOSE")
    if explicit:
        return explicit
    tool = ROOT.parent / "shared" / "tools" / "reference-compose"
    return subprocess.run(["bash", str(tool)], check=True, capture_output=True, text=True).stdout.strip()


def ours_binary() -> str:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "release" / "dk-compose")


def run_once(argv, cwd):
    """Wall seconds and peak RSS (KiB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"command failed ({process.returncode}): {' '.join(argv)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss


def generate_services(directory: Path, count: int) -> Path:
    lines = ["services:"]
    for index in range(count):
        lines += [
            f"  svc{index}:",
            "    image: busybox:${TAG:-latest}",
            "    command: [\"sleep\", \"3600\"]",
            "    environment:",
            f"      - INDEX={index}",
            "      - MODE=bench",
            "    ports:",
            f"      - \"{20000 + index}:80\"",
            "    volumes:",
            f"      - ./data/{index}:/data",
            "    labels:",
            f"      app: svc{index}",
        ]
        if index > 0:
            lines += ["    depends_on:", f"      - svc{index - 1}"]
    path = directory / "compose.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def measure(name, ours, reference, cwd, runs):
    ours_times, ours_rss, ref_times, ref_rss = [], [], [], []
    for _ in range(runs):
        elapsed, rss = run_once(ours, cwd)
        ours_times.append(elapsed)
        ours_rss.append(rss)
        elapsed, rss = run_once(reference, cwd)
        ref_times.append(elapsed)
        ref_rss.append(rss)
    ours_median = statistics.median(ours_times)
    ref_median = statistics.median(ref_times)
    print(
        f"{name:<14} ours {ours_median * 1000:8.1f} ms {statistics.median(ours_rss) / 1024:7.1f} MiB | "
        f"reference {ref_median * 1000:8.1f} ms {statistics.median(ref_rss) / 1024:7.1f} MiB | "
        f"time ratio {ours_median / ref_median:.3f} (1/{ref_median / ours_median:.1f})"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--case", default="all")
    args = parser.parse_args()
    ours = ours_binary()
    reference = reference_binary()
    work = Path(tempfile.mkdtemp(prefix="dk-bench-"))
    try:
        if args.case in ("all", "version"):
            measure("version", [ours, "version"], [reference, "version"], work, args.runs)
        if args.case in ("all", "config-1000"):
            generate_services(work, 1000)
            measure(
                "config-1000",
                [ours, "config", "--format", "json"],
                [reference, "config", "--format", "json"],
                work,
                args.runs,
            )
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
