#!/usr/bin/env python3
"""Side-by-side timing of dk-compose and the reference (docker compose v2.40.3).

Runs each case's commands interleaved (ours, reference, ours, ...) so both see the same
machine state, and reports median wall time, median CPU time (user + system, which a busy
shared machine disturbs less than wall time), median peak RSS and the ratios
ours/reference. A benchmark, not a test: it asserts nothing.

Cases: `version`; `config-1000` (1000 services, each depending on the previous one: a
1000-long `depends_on` chain); `config-1000-flat` (the same services, no dependencies).

Usage: bench/compare.py [--runs N] [--case version|config-1000|config-1000-flat|all]
                        [--ours PATH]   (a built binary instead of `cargo build --release`)
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


def ours_binary(explicit=None) -> str:
    if explicit:
        return explicit
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "release" / "dk-compose")


def run_once(argv, cwd):
    """Wall seconds, CPU seconds (user + system) and peak RSS (KiB) of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"command failed ({process.returncode}): {' '.join(argv)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def generate_services(directory: Path, count: int, chain: bool = True) -> Path:
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
        if chain and index > 0:
            lines += ["    depends_on:", f"      - svc{index - 1}"]
    path = directory / "compose.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def measure(name, ours, reference, cwd, runs):
    samples = {"ours": [], "reference": []}
    for _ in range(runs):
        samples["ours"].append(run_once(ours, cwd))
        samples["reference"].append(run_once(reference, cwd))

    def medians(side):
        wall, cpu, rss = zip(*samples[side])
        return statistics.median(wall), statistics.median(cpu), statistics.median(rss)

    ours_wall, ours_cpu, ours_rss = medians("ours")
    ref_wall, ref_cpu, ref_rss = medians("reference")

    def ratio(mine, theirs):
        if mine <= 0 or theirs <= 0:
            return "n/a"
        return f"{mine / theirs:.3f} (1/{theirs / mine:.1f})"

    print(
        f"{name:<17} ours wall {ours_wall * 1000:7.1f} ms cpu {ours_cpu * 1000:7.1f} ms "
        f"{ours_rss / 1024:6.1f} MiB | reference wall {ref_wall * 1000:7.1f} ms "
        f"cpu {ref_cpu * 1000:7.1f} ms {ref_rss / 1024:6.1f} MiB | "
        f"wall ratio {ratio(ours_wall, ref_wall)} | cpu ratio {ratio(ours_cpu, ref_cpu)}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--case", default="all")
    parser.add_argument("--ours", help="a built dk-compose binary (default: cargo build --release)")
    args = parser.parse_args()
    ours = ours_binary(args.ours)
    reference = reference_binary()
    work = Path(tempfile.mkdtemp(prefix="dk-bench-"))
    try:
        if args.case in ("all", "version"):
            measure("version", [ours, "version"], [reference, "version"], work, args.runs)
        for case, chain in (("config-1000", True), ("config-1000-flat", False)):
            if args.case not in ("all", case):
                continue
            generate_services(work, 1000, chain=chain)
            measure(
                case,
                [ours, "config", "--format", "json"],
                [reference, "config", "--format", "json"],
                work,
                args.runs,
            )
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
