#!/usr/bin/env python3
"""Timing of `up -d` then `down` against the reference (docker compose v2.40.3).

Cases: N = 10, 30, 60 independent services, and a 10-service chain where each service
waits for the previous one to be healthy (`service_healthy`, healthcheck interval 1 s).
Ours and the reference run interleaved (ours, reference, ours, ...) so both see the same
machine state; the report gives medians and ratios. For the flat cases it also measures
the engine's floor: the same containers created and started through the raw API, in
parallel, with a tiny HTTP client on the unix socket.

A benchmark, not a test: it asserts nothing.

Usage: bench/up_down.py [--runs N] [--case flat-10|flat-30|flat-60|chain-10|all]
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGE = "dk-compose-test/busybox:latest"


def reference_binary() -> str:
    explicit = os.environ.get("REFERENCE_COMPOSE")
    if explicit:
        return explicit
    tool = ROOT.parent / "shared" / "tools" / "reference-compose"
    return subprocess.run(["bash", str(tool)], check=True, capture_output=True, text=True).stdout.strip()


def ours_binary() -> str:
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return str(ROOT / "target" / "release" / "dk-compose")


def run_once(argv, cwd) -> float:
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        sys.exit(f"command failed ({completed.returncode}): {' '.join(argv)}\n{completed.stderr.decode()}")
    return elapsed


def flat_project(count: int) -> str:
    lines = ["services:"]
    for index in range(count):
        lines += [f"  s{index}:", f"    image: {IMAGE}"]
    return "\n".join(lines) + "\n"


def chain_project(count: int) -> str:
    lines = ["services:"]
    for index in range(count):
        lines += [
            f"  s{index}:",
            f"    image: {IMAGE}",
            "    healthcheck:",
            "      test: [CMD, 'true']",
            "      interval: 1s",
        ]
        if index > 0:
            lines += ["    depends_on:", f"      s{index - 1}:", "        condition: service_healthy"]
    return "\n".join(lines) + "\n"


class UnixConnection(http.client.HTTPConnection):
    """HTTP over the engine's unix socket."""

    def __init__(self, path: str):
        super().__init__("localhost")
        self.socket_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.socket_path)


def engine_socket() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return host.removeprefix("unix://")


def api(method: str, path: str, body=None):
    connection = UnixConnection(engine_socket())
    payload = json.dumps(body) if body is not None else None
    headers = {"Content-Type": "application/json"} if payload else {}
    connection.request(method, path, body=payload, headers=headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    if response.status >= 400:
        raise RuntimeError(f"{method} {path}: {response.status} {data.decode()}")
    return json.loads(data) if data else None


def floor_once(count: int, prefix: str) -> float:
    """Network, then every container created and started in parallel, through the raw API."""
    label = {"com.docker.compose.project": prefix}
    start = time.perf_counter()
    network = api("POST", "/networks/create", {"Name": f"{prefix}_default", "Labels": label})

    def one(index: int):
        name = f"{prefix}-s{index}-1"
        body = {
            "Image": IMAGE,
            "Labels": label,
            "HostConfig": {"NetworkMode": f"{prefix}_default"},
            "NetworkingConfig": {"EndpointsConfig": {f"{prefix}_default": {"Aliases": [f"s{index}"]}}},
        }
        created = api("POST", f"/containers/create?name={name}", body)
        api("POST", f"/containers/{created['Id']}/start")
        return created["Id"]

    with ThreadPoolExecutor(max_workers=count) as pool:
        ids = list(pool.map(one, range(count)))
    elapsed = time.perf_counter() - start
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(lambda identifier: api("DELETE", f"/containers/{identifier}?force=1"), ids))
    remove_network(network["Id"])
    return elapsed


def remove_network(identifier: str):
    """The engine may release the last endpoint a moment late (moby#42119): retry."""
    for attempt in range(8):
        try:
            api("DELETE", f"/networks/{identifier}")
            return
        except RuntimeError as error:
            if "active endpoints" not in str(error) or attempt == 7:
                raise
            time.sleep(0.05 * 2**attempt)


def median(values):
    return statistics.median(values) if values else float("nan")


def bench_case(name: str, yaml: str, ours: str, reference: str, runs: int, with_floor: bool, count: int):
    with tempfile.TemporaryDirectory(prefix="dk-bench-") as directory:
        Path(directory, "compose.yaml").write_text(yaml)
        times = {"ours_up": [], "ours_down": [], "ref_up": [], "ref_down": [], "floor": []}
        for run in range(runs):
            for tool, binary in (("ours", ours), ("ref", reference)):
                project = f"dkbench-{tool}"
                common = [binary, "-p", project, "--progress", "quiet"]
                times[f"{tool}_up"].append(run_once(common + ["up", "-d"], directory))
                times[f"{tool}_down"].append(run_once(common + ["down"], directory))
            if with_floor:
                times["floor"].append(floor_once(count, f"dkbench-floor-{os.getpid()}-{run}"))
        ours_up, ref_up = median(times["ours_up"]), median(times["ref_up"])
        ours_down, ref_down = median(times["ours_down"]), median(times["ref_down"])
        line = (
            f"{name:10} up: ours {ours_up:6.2f}s  ref {ref_up:6.2f}s  ratio {ours_up / ref_up:5.2f}"
        )
        if with_floor:
            floor = median(times["floor"])
            line += f"  floor {floor:6.2f}s  ours/floor {ours_up / floor:5.2f}"
        line += f" | down: ours {ours_down:6.2f}s  ref {ref_down:6.2f}s  ratio {ours_down / ref_down:5.2f}"
        print(line, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--case", default="all")
    arguments = parser.parse_args()
    ours = ours_binary()
    reference = reference_binary()
    cases = {
        "flat-10": (flat_project(10), True, 10),
        "flat-30": (flat_project(30), True, 30),
        "flat-60": (flat_project(60), True, 60),
        "chain-10": (chain_project(10), False, 10),
    }
    selected = cases if arguments.case == "all" else {arguments.case: cases[arguments.case]}
    print(f"runs per case: {arguments.runs} (medians); ratio = ours / reference")
    for name, (yaml, with_floor, count) in selected.items():
        bench_case(name, yaml, ours, reference, arguments.runs, with_floor, count)


if __name__ == "__main__":
    main()
