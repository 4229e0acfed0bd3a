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


# Networks the engine refused to remove (moby#42119: an endpoint count leaked by the engine
# keeps a network "with active endpoints" until the daemon restarts). Every run uses its own
# project names, so one such network does not disturb the next runs; they are listed at the end.
LEAKED_NETWORKS = []


def run_once(argv, cwd) -> float:
    start = time.perf_counter()
    completed = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if completed.returncode != 0:
        message = completed.stderr.decode()
        if "active endpoints" in message:
            LEAKED_NETWORKS.append(f"{' '.join(argv)}: {message.strip().splitlines()[-1]}")
            return elapsed
        sys.exit(f"command failed ({completed.returncode}): {' '.join(argv)}\n{message}")
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


class Subnets:
    """Each benchmark network gets its own /24 in 10.199.0.0/16, outside the engine's default
    address pools: a network the engine keeps (moby#42119) then holds no pool other projects
    on this shared engine need."""

    def __init__(self):
        used = set()
        for network in api("GET", "/networks") or []:
            for config in (network.get("IPAM") or {}).get("Config") or []:
                used.add(config.get("Subnet", ""))
        self.free = [f"10.199.{third}.0/24" for third in range(256) if f"10.199.{third}.0/24" not in used]

    def take(self) -> str:
        if not self.free:
            sys.exit("no free /24 left in 10.199.0.0/16 for benchmark networks")
        return self.free.pop(0)


def with_subnet(yaml: str, subnet: str) -> str:
    return yaml + f"networks:\n  default:\n    ipam:\n      config:\n        - subnet: {subnet}\n"


def floor_once(count: int, prefix: str, subnet: str) -> float:
    """Network, then every container created and started in parallel, through the raw API."""
    label = {"com.docker.compose.project": prefix}
    start = time.perf_counter()
    network = api(
        "POST",
        "/networks/create",
        {"Name": f"{prefix}_default", "Labels": label, "IPAM": {"Config": [{"Subnet": subnet}]}},
    )

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
    # As `down` does: stop, then remove (force-removing running containers in parallel makes
    # the engine leak network endpoints more often).
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(lambda identifier: api("POST", f"/containers/{identifier}/stop"), ids))
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(lambda identifier: api("DELETE", f"/containers/{identifier}?force=1"), ids))
    remove_network(network["Id"], f"{prefix}_default")
    return elapsed


def remove_network(identifier: str, name: str):
    """The engine may release the last endpoint a moment late, or never (moby#42119): retry
    for about six seconds, then leave it and say so."""
    for attempt in range(7):
        try:
            api("DELETE", f"/networks/{identifier}")
            return
        except RuntimeError as error:
            if "active endpoints" not in str(error):
                raise
            if attempt == 6:
                LEAKED_NETWORKS.append(f"{name}: {error}")
                return
            time.sleep(0.05 * 2**attempt)


def median(values):
    return statistics.median(values) if values else float("nan")


def summary(values) -> str:
    """`median (min)`: the minimum is the run least disturbed by the rest of the machine."""
    return f"{median(values):6.2f}s ({min(values):5.2f})"


def paired(numerators, denominators) -> float:
    """Median of the per-round ratios: rounds are interleaved, so each ratio compares runs
    made under the same machine load."""
    return median([top / bottom for top, bottom in zip(numerators, denominators)])


def bench_case(name: str, yaml: str, ours: str, reference: str, runs: int, with_floor: bool,
               count: int, subnets: Subnets):
    with tempfile.TemporaryDirectory(prefix="dk-bench-") as directory:
        times = {"ours_up": [], "ours_down": [], "ref_up": [], "ref_down": [], "floor": []}
        tools = [("ours", ours), ("ref", reference)] + ([("floor", None)] if with_floor else [])
        for run in range(runs):
            # The first of a round follows the previous round's removals: rotate who goes first.
            shift = run % len(tools)
            for tool, binary in tools[shift:] + tools[:shift]:
                project = f"dkbench-{name}-{tool}-{os.getpid()}-{run}"
                subnet = subnets.take()
                if binary is None:
                    times["floor"].append(floor_once(count, project, subnet))
                    continue
                Path(directory, "compose.yaml").write_text(with_subnet(yaml, subnet))
                common = [binary, "-p", project, "--progress", "quiet"]
                times[f"{tool}_up"].append(run_once(common + ["up", "-d"], directory))
                times[f"{tool}_down"].append(run_once(common + ["down"], directory))
        line = (
            f"{name:8} up: ours {summary(times['ours_up'])} ref {summary(times['ref_up'])}"
            f" ratio {median(times['ours_up']) / median(times['ref_up']):4.2f}"
            f" paired {paired(times['ours_up'], times['ref_up']):4.2f}"
        )
        if with_floor:
            line += (
                f" | floor {summary(times['floor'])} ours/floor"
                f" {median(times['ours_up']) / median(times['floor']):4.2f}"
                f" paired {paired(times['ours_up'], times['floor']):4.2f}"
            )
        line += (
            f" | down: ours {summary(times['ours_down'])} ref {summary(times['ref_down'])}"
            f" ratio {median(times['ours_down']) / median(times['ref_down']):4.2f}"
            f" paired {paired(times['ours_down'], times['ref_down']):4.2f}"
        )
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
    selected = {name: case for name, case in cases.items() if arguments.case in ("all", name)}
    if not selected:
        sys.exit(f"unknown case {arguments.case}: {', '.join(cases)} or all")
    print(
        f"runs per case: {arguments.runs}; times: median (min); ratio = ours / reference of the"
        " medians; paired = median of the per-round ratios"
    )
    subnets = Subnets()
    for name, (yaml, with_floor, count) in selected.items():
        bench_case(name, yaml, ours, reference, arguments.runs, with_floor, count, subnets)
    for leak in LEAKED_NETWORKS:
        print(f"engine kept a network (moby#42119): {leak}")


if __name__ == "__main__":
    main()
