# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
"""Runs the ports of Asio's timeouts examples against loopback peers and checks what they do.

Usage: timeouts_peers.py blocking_tcp_client|blocking_udp_client <path to the example>

blocking_tcp_client: against an echo peer it prints the round trip; against a peer that
trickles one byte every 0.5 s and never ends the line, its 1 s read deadline ends the exchange
after about 1 s (a per-call timeout of 1 s would never fire).
blocking_udp_client: receives, times out after 1 s of silence, then receives again.
"""
import socket
import subprocess
import sys
import threading
import time


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def serve_once(behaviour):
    """A loopback listener whose one connection `behaviour` handles; returns its port."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)

    def run():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn, listener:
            conn.settimeout(10)
            line = b""
            while not line.endswith(b"\n"):
                chunk = conn.recv(256)
                if not chunk:
                    return
                line += chunk
            behaviour(conn, line)

    threading.Thread(target=run, daemon=True).start()
    return listener.getsockname()[1]


def echo(conn, line):
    conn.sendall(b"another line first\n" + line)


def trickle(conn, line):
    for _ in range(20):  # at most 10 s, one byte every 0.5 s, never a newline
        try:
            conn.sendall(b"x")
        except OSError:
            return  # the client gave up and closed
        time.sleep(0.5)


def tcp(example):
    port = serve_once(echo)
    run = subprocess.run([example, "127.0.0.1", str(port), "hello"], capture_output=True,
                         text=True, timeout=30)
    print(run.stdout + run.stderr, end="")
    if run.returncode != 0 or "Round trip time:" not in run.stdout:
        fail("no round trip against the echo peer")

    port = serve_once(trickle)
    start = time.monotonic()
    run = subprocess.run([example, "127.0.0.1", str(port), "hello", "1"], capture_output=True,
                         text=True, timeout=30)
    took = time.monotonic() - start
    print(run.stdout + run.stderr, end="")
    print("against the trickling peer: failed after %.2f s" % took)
    if run.returncode != 1 or "timed out" not in run.stderr:
        fail("the trickling peer did not make the read time out")
    if not 0.9 <= took < 3.0:
        fail("the 1 s deadline fired after %.2f s" % took)


def udp(example):
    client = subprocess.Popen([example, "127.0.0.1", "0", "3", "1"], stdout=subprocess.PIPE,
                              text=True)
    try:
        first = client.stdout.readline()
        print(first, end="")
        if not first.startswith("Listening on 127.0.0.1:"):
            fail("no listening address")
        address = ("127.0.0.1", int(first.rsplit(":", 1)[1]))
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
            sender.sendto(b"one", address)
            line = client.stdout.readline()
            print(line, end="")
            if line != "Received: one\n":
                fail("expected the first datagram")
            start = time.monotonic()
            line = client.stdout.readline()  # nothing sent: the 1 s timeout
            took = time.monotonic() - start
            print(line, end="")
            if "Receive error" not in line or "timed out" not in line:
                fail("expected a timeout")
            if not 0.8 <= took < 3.0:
                fail("the 1 s timeout fired after %.2f s" % took)
            sender.sendto(b"two", address)
            line = client.stdout.readline()
            print(line, end="")
            if line != "Received: two\n":
                fail("expected the datagram after the timeout")
        if client.wait(timeout=10) != 0:
            fail("exit status %d" % client.returncode)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()


if __name__ == "__main__":
    {"blocking_tcp_client": tcp, "blocking_udp_client": udp}[sys.argv[1]](sys.argv[2])
    print("ok")
