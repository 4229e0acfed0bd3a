#!/usr/bin/env python3
"""`watch` latency, dk-compose side by side with the reference (docker compose v2.40.3).

Two copies of one project (one per tool, each in its own directory and project name),
each brought up by its tool's `watch`. The service runs a shell loop that notices new
`probe-*` files in /app/data every 2 ms and prints their name with the kernel's uptime,
and prints the uptime once at every start. The host writes a probe (or a config file)
and takes the same clock (CLOCK_BOOTTIME, which /proc/uptime shows in the container), so:

  sync     write of data/probe-N          -> the container sees /app/data/probe-N
  restart  write of config/c-N (sync+restart) -> the restarted container's first line

Rounds alternate between the tools (ours, reference, ours, ...); medians and the ratio
reference/ours are printed. The container clock has 10 ms resolution. A benchmark, not a
test: it only reports.

Usage: bench/watch.py [--rounds N] [--ours PATH] [--keep]
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "dk-compose-test/busybox:latest"

LOOP = (
    'echo "start $(cut -d" " -f1 /proc/uptime)"; mkdir -p /app/data; seen=""; '
    "while :; do for f in /app/data/probe-*; do [ -e \"$f\" ] || continue; "
    'case " $seen " in *" $f "*) ;; *) seen="$seen $f"; echo "seen $f $(cut -d" " -f1 /proc/uptime)";; esac; '
    "done; usleep 2000; done"
)

def compose_text():
    # `$` doubled: the compose file would interpolate it.
    command = json.dumps(["sh", "-c", LOOP]).replace("$", "$$")
    return f"""services:
  probe:
    image: {IMAGE}
    init: true
    command: {command}
    develop:
      watch:
        - path: ./data
          action: sync
          target: /app/data
        - path: ./config
          action: sync+restart
          target: /app/config
"""


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


def uptime() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


class Stack:
    """One tool's copy of the project and its running `watch`."""

    def __init__(self, label, binary, base):
        self.label = label
        self.binary = binary
        self.project = f"dkbench-watch-{label}-{uuid.uuid4().hex[:6]}"
        self.directory = Path(base) / label
        (self.directory / "data").mkdir(parents=True)
        (self.directory / "config").mkdir()
        (self.directory / "compose.yaml").write_text(compose_text())
        self.output = []
        self.process = None

    def command(self, *arguments):
        return [self.binary, "-p", self.project, *arguments]

    def start(self):
        self.process = subprocess.Popen(
            self.command("watch"), cwd=self.directory, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env={**os.environ, "COMPOSE_PROGRESS": "plain"})
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 120
        while not any("Watch enabled" in line for line in self.output):
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"{self.label}: watch did not start:\n{''.join(self.output)}")
            time.sleep(0.05)

    def _read(self):
        for line in self.process.stdout:
            self.output.append(line)

    def container(self):
        return f"{self.project}-probe-1"

    def log_lines(self):
        result = subprocess.run(["docker", "logs", self.container()], capture_output=True, text=True)
        return result.stdout.splitlines()

    def wait_for(self, predicate, what):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in self.log_lines():
                value = predicate(line)
                if value is not None:
                    return value
            time.sleep(0.05)
        sys.exit(f"{self.label}: timed out waiting for {what}:\n{''.join(self.output[-20:])}")

    def sync_latency(self, index):
        name = f"probe-{index}"
        path = self.directory / "data" / name
        with open(path, "w") as file:
            file.write(name)
        written = uptime()

        def seen(line):
            parts = line.split()
            if len(parts) == 3 and parts[0] == "seen" and parts[1].endswith("/" + name):
                return float(parts[2])
            return None
        return self.wait_for(seen, name) - written

    def restart_latency(self, index):
        starts_before = sum(1 for line in self.log_lines() if line.startswith("start "))
        with open(self.directory / "config" / f"c-{index}", "w") as file:
            file.write(str(index))
        written = uptime()

        def restarted(_line):
            starts = [float(line.split()[1]) for line in self.log_lines() if line.startswith("start ")]
            return starts[-1] if len(starts) > starts_before else None
        return self.wait_for(restarted, f"restart {index}") - written

    def stop(self, keep):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if not keep:
            subprocess.run(self.command("down", "-t", "0"), cwd=self.directory,
                           capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--ours", help="dk-compose binary (default: build target/release)")
    parser.add_argument("--keep", action="store_true", help="leave the stacks up afterwards")
    options = parser.parse_args()
    ours = str(Path(options.ours).resolve()) if options.ours else ours_binary()
    reference = reference_binary()
    results = {"ours": {"sync": [], "restart": []}, "reference": {"sync": [], "restart": []}}
    with tempfile.TemporaryDirectory(prefix="dk-bench-watch-") as base:
        stacks = {"ours": Stack("ours", ours, base), "reference": Stack("reference", reference, base)}
        try:
            for stack in stacks.values():
                stack.start()
            for index in range(options.rounds):
                for label, stack in stacks.items():
                    results[label]["sync"].append(stack.sync_latency(index))
                for label, stack in stacks.items():
                    results[label]["restart"].append(stack.restart_latency(index))
                print(f"round {index + 1}/{options.rounds}: " + ", ".join(
                    f"{label} sync {results[label]['sync'][-1] * 1000:.0f} ms restart "
                    f"{results[label]['restart'][-1] * 1000:.0f} ms" for label in stacks),
                    flush=True)
        finally:
            for stack in stacks.values():
                stack.stop(options.keep)
    print()
    print(f"{'latency (median of ' + str(options.rounds) + ')':<28}{'dk-compose':>12}{'reference':>12}{'ratio':>8}")
    for kind, title in (("sync", "write -> file in container"), ("restart", "write -> restarted service")):
        ours_median = statistics.median(results["ours"][kind])
        reference_median = statistics.median(results["reference"][kind])
        print(f"{title:<28}{ours_median * 1000:>10.0f}ms{reference_median * 1000:>10.0f}ms"
              f"{reference_median / ours_median:>7.1f}x")
    print("\nratio: reference / dk-compose (higher is better for dk-compose); "
          "container clock resolution 10 ms")


if __name__ == "__main__":
    main()
