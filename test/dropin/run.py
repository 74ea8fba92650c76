#!/usr/bin/env python3
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
"""Runs one drop-in scenario: Asio's or Beast's example against its peer, on loopback.

    run.py SCENARIO --exe ROLE=PATH ...

Every scenario runs in a network namespace of its own (unshare -n; we re-execute ourselves
there and bring its loopback up): the examples' servers listen on 0.0.0.0 as shipped, and
there they see nothing but this namespace's loopback. Asio's iostream client connects to the
service "http", port 80, which is free there. Where namespaces are not allowed, the scenarios
run on the host's loopback with free ports, and the port-80 ones are skipped (exit 77).

Every process is bounded in time; every check is on what the example printed or sent.
"""

import argparse
import http.client
import http.server
import os
import queue
import re
import socket
import shutil
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77
RUN_LIMIT = 30.0        # seconds any one example may run before the test fails
TIMEOUT_SET = 1.0       # the timeout the timeout variants add
TIMEOUT_EARLIEST = 0.9  # generous bounds around it
TIMEOUT_LATEST = 10.0
TIMED_OUT = re.compile(r"timed out|timeout", re.IGNORECASE)
BODY = "sockmode drop-in: the body arrived whole\n"

exes = {}
children = []
scratch_dirs = []  # made by scratch_dir(), removed at the end
in_namespace = False


def fail(message):
    print("FAIL: " + message, flush=True)
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)
    print("ok: " + message, flush=True)


def enter_namespace():
    """Re-executes this script in a private network namespace with its loopback up."""
    global in_namespace
    if os.environ.get("SOCKMODE_DROPIN_NETNS") == "1":
        loopback_up()
        in_namespace = True
        return
    if os.environ.get("SOCKMODE_DROPIN_NETNS") == "0":
        return
    env = dict(os.environ, SOCKMODE_DROPIN_NETNS="1")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        print("no private network namespace here (unshare -n: %s); using the host's loopback"
              % probe.stderr.decode().strip(), flush=True)
        os.environ["SOCKMODE_DROPIN_NETNS"] = "0"
        return
    os.execvpe("unshare", ["unshare", "-n", sys.executable] + sys.argv, env)


def loopback_up():
    # ioctl(SIOCGIFFLAGS / SIOCSIFFLAGS) on "lo", IFF_UP: what `ip link set lo up` does.
    SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
    import fcntl
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))


def free_port(kind=socket.SOCK_STREAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """An example run as a server; its stderr lines are kept with their arrival time."""

    def __init__(self, args):
        print("server: " + " ".join(args), flush=True)
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        children.append(self.process)
        self.lines = queue.Queue()
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            print("server said: " + line.rstrip(), flush=True)
            self.lines.put((time.monotonic(), line))

    def wait_line(self, pattern, limit):
        end = time.monotonic() + limit
        while time.monotonic() < end:
            try:
                when, line = self.lines.get(timeout=max(0.01, end - time.monotonic()))
            except queue.Empty:
                break
            if re.search(pattern, line):
                return when, line
        return None, None


def wait_tcp(port, limit=20.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    fail("nothing listens on 127.0.0.1:%d after %.0f s" % (port, limit))


def wait_udp_echo(port, limit=20.0):
    end = time.monotonic() + limit
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.2)
        while time.monotonic() < end:
            s.sendto(b"probe", ("127.0.0.1", port))
            try:
                if s.recv(64) == b"probe":
                    return
            except OSError:
                pass
    fail("no UDP echo from 127.0.0.1:%d after %.0f s" % (port, limit))


def run_client(args, stdin_text=""):
    """Runs an example to its end; returns (exit code, stdout, stderr, seconds)."""
    print("client: " + " ".join(args), flush=True)
    start = time.monotonic()
    try:
        done = subprocess.run(args, input=stdin_text, capture_output=True, text=True,
                              timeout=RUN_LIMIT)
    except subprocess.TimeoutExpired as e:
        fail("%s still running after %.0f s (stdout %r, stderr %r)"
             % (args[0], RUN_LIMIT, e.stdout, e.stderr))
    seconds = time.monotonic() - start
    print("client exit %d after %.3f s\nstdout: %r\nstderr: %r"
          % (done.returncode, seconds, done.stdout, done.stderr), flush=True)
    return done.returncode, done.stdout, done.stderr, seconds


def scratch_dir():
    """A fresh directory, removed when the scenario ends (main)."""
    path = tempfile.mkdtemp(prefix="sockmode_dropin_")
    scratch_dirs.append(path)
    return path


def doc_root():
    root = scratch_dir()
    with open(os.path.join(root, "hello.txt"), "w") as f:
        f.write(BODY)
    return root


class Stalled:
    """A loopback peer that takes connections (or datagrams) and never answers."""

    def __init__(self, kind="tcp", port=None, path=None):
        self.received = b""
        self.connections = []
        if kind == "udp":
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.sock.bind(("127.0.0.1", 0))
            self.port = self.sock.getsockname()[1]
            return
        if kind == "unix":
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(path)
        else:
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", port or 0))
            self.port = self.sock.getsockname()[1]
        self.sock.listen(8)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)
            threading.Thread(target=self._drain, args=(conn,), daemon=True).start()

    def _drain(self, conn):  # reads what comes, answers nothing
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            self.received += data


def check_timeout(seconds, output, what):
    check(TIMEOUT_EARLIEST <= seconds < TIMEOUT_LATEST,
          "%s ended %.3f s after it began to wait (timeout %.0f s; bounds %.1f-%.0f s)"
          % (what, seconds, TIMEOUT_SET, TIMEOUT_EARLIEST, TIMEOUT_LATEST))
    check(TIMED_OUT.search(output) is not None,
          "%s says it timed out: %r" % (what, output.strip()))


# --- the scenarios: each swapped example against its peer -----------------------------------

def tcp_echo():
    port = free_port()
    Server([exes["server"], str(port)])
    wait_tcp(port)
    for message in ("hello from the drop-in test", "a second connection"):
        code, out, err, _ = run_client([exes["client"], "127.0.0.1", str(port)], message + "\n")
        check(("Reply is: " + message) in out, "the echo reply equals the request %r" % message)
        check("Exception" not in err, "the client reported no error")


def udp_echo():
    port = free_port(socket.SOCK_DGRAM)
    Server([exes["server"], str(port)])
    wait_udp_echo(port)
    message = "a datagram from the drop-in test"
    code, out, err, _ = run_client([exes["client"], "127.0.0.1", str(port)], message + "\n")
    check(("Reply is: " + message) in out, "the echoed datagram equals the request")


def local_echo():
    path = os.path.join(scratch_dir(), "echo.sock")
    Server([exes["server"], path])
    end = time.monotonic() + 20
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.05)
    check(os.path.exists(path), "the original stream_server listens on " + path)
    message = "hello over a Unix socket"
    code, out, err, _ = run_client([exes["client"], path], message + "\n")
    check(("Reply is: " + message) in out, "the echo reply equals the request")


def python_http_server(port, root):
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=root, **k)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def iostream_http():
    if not in_namespace:
        print("skipped: Asio's http_client connects to port 80, which needs a private network "
              "namespace here (unshare -n)", flush=True)
        sys.exit(SKIP)
    python_http_server(80, doc_root())
    code, out, err, _ = run_client([exes["client"], "127.0.0.1", "/hello.txt"])
    check(code == 0, "http_client exits 0")
    check("Content-Length: %d" % len(BODY) in out, "the response headers are printed")
    check(out.endswith(BODY), "the body arrives whole, after the headers")


def beast_http():
    port = free_port()
    Server([exes["server"], "127.0.0.1", str(port), doc_root()])
    wait_tcp(port)
    code, out, err, _ = run_client([exes["client"], "127.0.0.1", str(port), "/hello.txt"])
    check(code == 0, "the client exits 0")
    check(re.search(r"HTTP/1\.1 200 OK", out) is not None, "the status line is 200 OK")
    check(BODY in out, "the body arrives whole")
    code, out, err, _ = run_client([exes["client"], "127.0.0.1", str(port), "/missing.txt"])
    check(re.search(r"HTTP/1\.1 404 Not Found", out) is not None, "a missing file is a 404")


def python_http(use_ssl=False):
    port = free_port()
    Server([exes["server"], "127.0.0.1", str(port), doc_root()])
    wait_tcp(port)
    if use_ssl:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # Beast's example certificate is self-signed
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=20, context=context)
    else:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    for i in range(3):  # one connection, kept alive
        connection.request("GET", "/hello.txt")
        response = connection.getresponse()
        body = response.read().decode()
        check(response.status == 200 and body == BODY,
              "request %d on one kept-alive connection gets the file" % (i + 1))
    connection.close()


def python_https():
    python_http(use_ssl=True)


def beast_http_ssl():  # the client verifies the server: see trust/
    beast_http()


def beast_websocket():
    port = free_port()
    Server([exes["server"], "127.0.0.1", str(port)])
    wait_tcp(port)
    text = "hello over a websocket"
    code, out, err, _ = run_client([exes["client"], "127.0.0.1", str(port), text])
    check(code == 0, "the client exits 0")
    check(out.strip() == text, "the echoed message equals the one sent")


def beast_websocket_ssl():
    beast_websocket()


# --- the timeout variants against a peer that stalls ---------------------------------------

def timeout_client(args, stdin_text, what):
    code, out, err, seconds = run_client(args, stdin_text)
    check_timeout(seconds, out + err, what)
    return out + err


def timeout_tcp_echo_client():
    peer = Stalled()
    timeout_client([exes["client"], "127.0.0.1", str(peer.port)], "never echoed\n",
                   "the echo client's read")
    check(peer.received == b"never echoed", "the request reached the silent server")


def timeout_udp_echo_client():
    peer = Stalled("udp")
    timeout_client([exes["client"], "127.0.0.1", str(peer.port)], "never echoed\n",
                   "the UDP client's receive_from")


def timeout_local_client():
    path = os.path.join(scratch_dir(), "silent.sock")
    Stalled("unix", path=path)
    timeout_client([exes["client"], path], "never echoed\n", "the Unix client's read")


def timeout_iostream_http():
    if not in_namespace:
        print("skipped: needs port 80 in a private network namespace (unshare -n)", flush=True)
        sys.exit(SKIP)
    peer = Stalled(port=80)
    code, out, err, seconds = run_client([exes["client"], "127.0.0.1", "/hello.txt"])
    # Asio's example reports an expired stream as a bad response, and so does the swapped one.
    check(TIMEOUT_EARLIEST <= seconds < TIMEOUT_LATEST,
          "the iostream's expiry ended the read %.3f s in (bounds %.1f-%.0f s)"
          % (seconds, TIMEOUT_EARLIEST, TIMEOUT_LATEST))
    check("Invalid response" in out, "the example reports the expired stream")
    check(peer.received.startswith(b"GET /hello.txt HTTP/1.0\r\n"),
          "the request was flushed before the read (the stream is tied to itself)")


def timeout_beast_client():
    peer = Stalled()
    output = timeout_client([exes["client"], "127.0.0.1", str(peer.port), "/"], "",
                            "the Beast client")
    check(output.startswith("Error: "), "the example's own error line reports it")


def timeout_server(args, port, message_pattern, what):
    server = Server(args)
    wait_tcp(port)
    while not server.lines.empty():
        server.lines.get()
    silent = socket.create_connection(("127.0.0.1", port), timeout=20)
    connected = time.monotonic()
    when, line = server.wait_line(TIMED_OUT, TIMEOUT_LATEST + 5)
    check(when is not None, "%s reports a timeout on a silent client" % what)
    check_timeout(when - connected, line, what)
    check(re.search(message_pattern, line) is not None,
          "the example's own error line reports it: %r" % line.strip())
    silent.close()
    return server


def timeout_tcp_echo_server():
    port = free_port()
    timeout_server([exes["server"], str(port)], port, r"^Exception in thread: ",
                   "the echo server's session")
    # The server itself goes on: a client that talks is still served.
    with socket.create_connection(("127.0.0.1", port), timeout=20) as c:
        c.sendall(b"still served")
        check(c.recv(64) == b"still served", "the server still echoes for the next client")


def timeout_udp_echo_server():
    port = free_port(socket.SOCK_DGRAM)
    server = Server([exes["server"], str(port)])
    started = time.monotonic()
    when, line = server.wait_line(TIMED_OUT, TIMEOUT_LATEST + 5)
    check(when is not None, "the UDP server's receive_from reports a timeout")
    check_timeout(when - started, line, "the UDP server's receive_from")
    check(line.startswith("Exception: "), "the example's own error line reports it")


def timeout_beast_http_server():
    port = free_port()
    timeout_server([exes["server"], "127.0.0.1", str(port), doc_root()], port,
                   r"^(read|handshake): ", "the Beast HTTP server's session")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    if "ssl" in os.path.basename(exes["server"]):
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=20, context=context)
    connection.request("GET", "/hello.txt")
    response = connection.getresponse()
    check(response.status == 200 and response.read().decode() == BODY,
          "the server still serves the next client")
    connection.close()


def timeout_beast_websocket_server():
    port = free_port()
    timeout_server([exes["server"], "127.0.0.1", str(port)], port, r"^Error: ",
                   "the Beast websocket server's session")


SCENARIOS = {f.__name__: f for f in [
    tcp_echo, udp_echo, local_echo, iostream_http, beast_http, python_http, python_https,
    beast_http_ssl, beast_websocket, beast_websocket_ssl, timeout_tcp_echo_client,
    timeout_udp_echo_client, timeout_local_client, timeout_iostream_http, timeout_beast_client,
    timeout_tcp_echo_server, timeout_udp_echo_server, timeout_beast_http_server,
    timeout_beast_websocket_server]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--exe", action="append", default=[], help="ROLE=PATH")
    args = parser.parse_args()
    for pair in args.exe:
        role, path = pair.split("=", 1)
        exes[role] = path
    enter_namespace()
    try:
        SCENARIOS[args.scenario]()
    finally:
        for child in children:
            child.kill()
            child.wait(timeout=10)
        for path in scratch_dirs:
            shutil.rmtree(path, ignore_errors=True)
    print("PASS", flush=True)


if __name__ == "__main__":
    main()
