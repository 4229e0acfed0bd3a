#!/usr/bin/env python3
"""Log throughput, dk-compose side by side with the reference (docker compose v2.40.3).

10 services each print 200,000 numbered lines (`seq`) and exit. Two measurements, each run
interleaved (ours, reference, ours, ...) with stdout to a file:

- `logs`: the stack is brought up once (the reference's `up -d`) and waited for; then
  `logs --no-color` reads what the containers wrote.
- attached `up`: before each run the stack is taken down (not timed); then `up --no-color`
  creates, attaches, starts and streams until every container has exited.

Per run: lines delivered (must be all 2,000,000, each container's numbers in order), wall
time, CPU time (user + system) and peak RSS of the process, lines/s; then the medians and
the ratios ours/reference. Beside them, the engine's own floor for the same work through
the docker CLI (`docker logs`, or `docker create` + `docker start -a`, 10 at once): when
both tools are near it, the engine is what limits lines/s. A benchmark, not a test: it only
reports.

Usage: bench/logs.py [--runs N] [--services N] [--lines N] [--mode logs|up|both] [--keep]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "dk-compose-test/busybox:latest"


def reference_binary() -> str:
    explicit = os.environ.get("REFERENCE_COMPOSE")
    if explicit:
        return explicit
    tool = ROOT.parent / "shared" / "tools" / "reference-compose"
    if tool.exists():
        return subprocess.run(["bash", str(tool)], check=True, capture_output=True, text=True).stdout.strip()
    return "/root/.cache/reference-compose/2.40.3/docker-compose"


def ours_binary() -> str:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "release" / "dk-compose")


def run_once(argv, cwd, output_path):
    """Wall seconds, peak RSS (KiB) and CPU seconds of one process whose stdout goes to a
    file."""
    with open(output_path, "wb") as output:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdout=output, stderr=subprocess.PIPE,
                                   env={**os.environ, "NO_COLOR": "1"})
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(argv)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def engine_floor(commands, directory):
    """Wall seconds of docker CLI commands run all at once (each one's stdout to a file),
    and the lines they delivered."""
    start = time.perf_counter()
    outputs = [open(directory / f"floor-{index}.out", "wb") for index in range(len(commands))]
    processes = [subprocess.Popen(command, stdout=output, stderr=subprocess.DEVNULL)
                 for command, output in zip(commands, outputs)]
    for process in processes:
        process.wait()
    elapsed = time.perf_counter() - start
    lines = 0
    for index, output in enumerate(outputs):
        output.close()
        with open(directory / f"floor-{index}.out", "rb") as written:
            lines += sum(1 for _ in written)
        (directory / f"floor-{index}.out").unlink()
    return elapsed, lines


def check(output_path, services, lines):
    """(lines delivered, whether every container's lines are complete and in order). Lines
    without a `name | ` prefix (`Attaching to`, `exited with code`) are not log lines."""
    expected_next = {}
    delivered = 0
    in_order = True
    with open(output_path, "rb") as output:
        for raw in output:
            if b" | " not in raw:
                continue
            delivered += 1
            prefix, _, text = raw.rstrip(b"\n").partition(b" | ")
            name = prefix.strip()
            number = int(text) if text.isdigit() else -1
            want = expected_next.get(name, 1)
            if number != want:
                in_order = False
            expected_next[name] = number + 1
    complete = len(expected_next) == services and all(
        following == lines + 1 for following in expected_next.values())
    return delivered, in_order and complete


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--services", type=int, default=10)
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--mode", choices=["logs", "up", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="leave the stack up afterwards")
    arguments = parser.parse_args()

    reference = reference_binary()
    ours = ours_binary()
    project = f"dkbench-logs-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        compose = ["services:"]
        for index in range(arguments.services):
            compose += [
                f"  svc{index}:",
                f"    image: {IMAGE}",
                f"    command: [\"seq\", \"1\", \"{arguments.lines}\"]",
            ]
        (directory / "compose.yaml").write_text("\n".join(compose) + "\n")
        base = ["-p", project, "-f", str(directory / "compose.yaml")]
        binaries = (("dk-compose", ours), ("reference", reference))
        try:
            if arguments.mode in ("logs", "both"):
                subprocess.run([reference, *base, "up", "-d"], check=True, capture_output=True)
                for index in range(arguments.services):
                    subprocess.run(["docker", "wait", f"{project}-svc{index}-1"], check=True,
                                   capture_output=True)
                containers = [f"{project}-svc{index}-1" for index in range(arguments.services)]

                def logs_floor():
                    return engine_floor([["docker", "logs", name] for name in containers],
                                        directory)

                measure("logs after exit", binaries, ["logs", "--no-color"], None,
                        base, directory, arguments, logs_floor)
            if arguments.mode in ("up", "both"):
                down = [reference, *base, "down", "--timeout", "0"]

                def up_floor():
                    names = [f"{project}-floor{index}" for index in range(arguments.services)]
                    subprocess.run(["docker", "rm", "--force", *names], capture_output=True)
                    start = time.perf_counter()
                    creates = [subprocess.Popen(["docker", "create", "--name", name, IMAGE, "seq",
                                                 "1", str(arguments.lines)],
                                                stdout=subprocess.DEVNULL)
                               for name in names]
                    for create in creates:
                        create.wait()
                    created = time.perf_counter() - start
                    started, lines = engine_floor([["docker", "start", "-a", name] for name in names],
                                                  directory)
                    subprocess.run(["docker", "rm", "--force", *names], capture_output=True)
                    return created + started, lines

                measure("attached up until all exit", binaries, ["up", "--no-color"], down,
                        base, directory, arguments, up_floor)
        finally:
            if not arguments.keep:
                subprocess.run([reference, *base, "down", "--timeout", "0"], capture_output=True)


def measure(title, binaries, command, before, base, directory, arguments, floor):
    """Runs `command` with each binary in turn (`before`, untimed, ahead of each run), and
    the engine floor, and prints every run, the medians and the ratios."""
    total = arguments.services * arguments.lines
    print(f"== {title}: {' '.join(command)}")
    results = {label: [] for label, _ in binaries}
    floors = []
    for run in range(arguments.runs):
        for label, binary in binaries:
            if before:
                subprocess.run(before, check=True, capture_output=True)
            output_path = directory / f"{label}.out"
            wall, rss, cpu = run_once([binary, *base, *command], directory, output_path)
            delivered, ordered = check(output_path, arguments.services, arguments.lines)
            results[label].append((wall, rss, delivered, ordered, cpu))
            print(f"run {run + 1} {label:>12}: {delivered:>9} lines "
                  f"({'all, in order' if ordered and delivered == total else 'INCOMPLETE or OUT OF ORDER'}), "
                  f"{wall:6.2f} s, CPU {cpu:5.2f} s, {rss / 1024:6.1f} MiB, "
                  f"{delivered / wall:12,.0f} lines/s")
            output_path.unlink()
        wall, lines = floor()
        floors.append(wall)
        print(f"run {run + 1} {'engine floor':>12}: {lines:>9} lines, {wall:6.2f} s (docker CLI)")
    print(f"{arguments.services} services x {arguments.lines:,} lines = {total:,} lines, "
          f"median of {arguments.runs} runs")
    medians = {}
    for label, rows in results.items():
        wall = statistics.median(row[0] for row in rows)
        rss = statistics.median(row[1] for row in rows)
        cpu = statistics.median(row[4] for row in rows)
        complete = all(row[2] == total and row[3] for row in rows)
        medians[label] = (wall, rss, cpu)
        print(f"  {label:>12}: {wall:6.2f} s  CPU {cpu:5.2f} s  {rss / 1024:6.1f} MiB  "
              f"{total / wall:12,.0f} lines/s  {'complete' if complete else 'INCOMPLETE'}")
    floor_wall = statistics.median(floors)
    print(f"  {'engine floor':>12}: {floor_wall:6.2f} s")
    ours_wall, ours_rss, ours_cpu = medians["dk-compose"]
    reference_wall, reference_rss, reference_cpu = medians["reference"]
    print(f"  lines/s ours/reference: {reference_wall / ours_wall:.2f}x   "
          f"CPU reference/ours: {reference_cpu / max(ours_cpu, 0.001):.1f}x   "
          f"peak RSS ours/reference: {ours_rss / reference_rss:.2f}x")
    print()


if __name__ == "__main__":
    main()
