#!/usr/bin/env python3
"""A logging proxy in front of the engine's unix socket, to count and time API requests.

Listens on a unix socket, forwards every connection to the engine, and writes one line per
request seen on the client side, `<unix time> <connection> <METHOD> <path>`, and one per
response, `<unix time> <connection> RESPONSE <status>`.
Use it to compare the requests of two tools for the same command:

    bench/engine_proxy.py /tmp/engine.sock /tmp/requests.log &
    DOCKER_HOST=unix:///tmp/engine.sock dk-compose -p demo up -d

A profiling tool, not a test. Stop it with SIGTERM/SIGINT.
"""

import os
import re
import socket
import sys
import threading
import time

REQUEST_LINE = re.compile(rb"(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP/1\.[01]\r\n")
STATUS_LINE = re.compile(rb"HTTP/1\.[01] (\d{3})[^\r]*\r\n")


def main():
    listen_path, log_path = sys.argv[1], sys.argv[2]
    engine_path = os.environ.get("ENGINE_SOCKET", "/var/run/docker.sock")
    if os.path.exists(listen_path):
        os.unlink(listen_path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(listen_path)
    server.listen(512)
    log = open(log_path, "a", buffering=1)
    lock = threading.Lock()
    counter = [0]

    def pump(source, target, connection_number, log_requests):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if log_requests:
                    for match in REQUEST_LINE.finditer(data):
                        with lock:
                            log.write(
                                f"{time.time():.4f} {connection_number:4} "
                                f"{match.group(1).decode()} {match.group(2).decode()}\n"
                            )
                elif data.startswith(b"HTTP/1."):
                    match = STATUS_LINE.match(data)
                    if match:
                        with lock:
                            log.write(
                                f"{time.time():.4f} {connection_number:4} "
                                f"RESPONSE {match.group(1).decode()}\n"
                            )
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    while True:
        client, _ = server.accept()
        counter[0] += 1
        engine = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        engine.connect(engine_path)
        number = counter[0]
        threading.Thread(target=pump, args=(client, engine, number, True), daemon=True).start()
        threading.Thread(target=pump, args=(engine, client, number, False), daemon=True).start()


if __name__ == "__main__":
    main()
