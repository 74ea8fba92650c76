# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
"""The CPython side of the model test: executes one step at a time on Python's socket module.

model_test starts this once and writes one command per line on stdin; each answer is one line
on stdout, in the same outcome format as the sockmode driver in sockmode_driver.hpp:

    <kind>[ key=value ...]

kind: ok, timeout, would_block, invalid (a bad argument: ValueError, OverflowError, TypeError)
or err:<ERRNO NAME>. After an operation on a slot, mode=<none|ns> and blk=<0|1> give that
slot's gettimeout() and getblocking(). Slots 0-2 hold sockets, slot 3 the listener.
Loopback only. Every wait is bounded: a watchdog alarm ends any call after WATCHDOG seconds.
"""

import errno
import fcntl
import select
import signal
import socket
import struct
import sys
import termios
import time
import zlib

WATCHDOG = 10.0
LISTENER = 3
FLOOD = 64 << 20

# The same bytes as model::pattern() in scenario.hpp.
BASE = bytes((((i * 131) ^ ((i >> 7) * 29)) & 0xFF) for i in range((64 << 10) + 4096))
FLOOD_DATA = bytes(FLOOD)


def data(n, tag):
    start = (tag * 97) % 4096
    return BASE[start:start + n]


class Watchdog(Exception):
    pass


def on_alarm(signum, frame):
    raise Watchdog()


signal.signal(signal.SIGALRM, on_alarm)

slots = [None, None, None, None]


def ns(t):
    return "none" if t is None else str(round(t * 1e9))


def timeout_value(text):
    return None if text == "none" else float(text)


def kind_of(exc):
    if isinstance(exc, Watchdog):
        return "harness:watchdog"
    if isinstance(exc, (ValueError, OverflowError, TypeError)):
        return "invalid"
    if isinstance(exc, OSError):
        if exc.errno is None:
            # socket.timeout is TimeoutError without an errno; the kernel's ETIMEDOUT has one.
            return "timeout" if isinstance(exc, TimeoutError) else "err:unknown"
        if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
            return "would_block"
        return "err:" + errno.errorcode.get(exc.errno, str(exc.errno))
    return "harness:" + type(exc).__name__


def errno_kind(code):
    if code == 0:
        return "ok"
    if code in (errno.EAGAIN, errno.EWOULDBLOCK):
        return "would_block"
    return "err:" + errno.errorcode.get(code, str(code))


def wait_until(predicate, limit=5.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.0005)
    return False


def ioctl_int(sock, request):
    return struct.unpack("i", fcntl.ioctl(sock.fileno(), request, b"\0\0\0\0"))[0]


def polled(sock, events, limit=5.0):
    p = select.poll()
    p.register(sock.fileno(), events)
    return bool(p.poll(int(limit * 1000)))


def has_slot(words):
    return (len(words) > 1 and words[1] in ("0", "1", "2", "3")
            and not words[0].endswith("defaulttimeout"))


def execute(words):
    op = words[0]
    s = int(words[1]) if has_slot(words) else None
    sock = slots[s] if s is not None else None
    if op == "reset":
        for i, old in enumerate(slots):
            if old is not None:
                old.close()
            slots[i] = None
        socket.setdefaulttimeout(None)
        return "ok"
    if op == "setdefaulttimeout":
        socket.setdefaulttimeout(timeout_value(words[1]))
        return "ok"
    if op == "getdefaulttimeout":
        return "ok value=" + ns(socket.getdefaulttimeout())
    if op == "new":
        if sock is not None:
            sock.close()
        slots[s] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        return "ok"
    if op == "listen":
        if sock is not None:
            sock.close()
        sock = slots[s] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        return "ok port=%d" % sock.getsockname()[1]
    if op == "settimeout":
        sock.settimeout(timeout_value(words[2]))
        return "ok"
    if op == "setblocking":
        sock.setblocking(words[2] == "1")
        return "ok"
    if op == "gettimeout":
        return "ok value=" + ns(sock.gettimeout())
    if op == "getblocking":
        return "ok value=%d" % sock.getblocking()
    if op == "connect":
        sock.connect(("127.0.0.1", int(words[2])))
        return "ok"
    if op == "connect_ex":
        return errno_kind(sock.connect_ex(("127.0.0.1", int(words[2]))))
    if op == "recv":
        got = sock.recv(int(words[2]))
        return "ok n=%d crc=%d" % (len(got), zlib.crc32(got))
    if op == "recv_into":
        buf = bytearray(int(words[2]))
        n = sock.recv_into(buf)
        return "ok n=%d crc=%d" % (n, zlib.crc32(bytes(buf[:n])))
    if op == "send":
        return "ok n=%d" % sock.send(data(int(words[2]), int(words[3])))
    if op == "sendall":
        payload = data(int(words[2]), int(words[3]))
        sock.sendall(payload)
        return "ok n=%d" % len(payload)
    if op == "flood":
        sock.sendall(FLOOD_DATA)
        return "ok n=%d" % FLOOD
    if op == "shutdown":
        how = {"rd": socket.SHUT_RD, "wr": socket.SHUT_WR, "rdwr": socket.SHUT_RDWR}[words[2]]
        sock.shutdown(how)
        return "ok"
    if op == "close":
        sock.close()
        return "ok"
    if op == "accept":
        conn, _ = slots[LISTENER].accept()
        if sock is not None:
            sock.close()
        slots[s] = conn
        return "ok"
    # Harness synchronisation, never compared: wait until the peer's action has reached us.
    if op == "sync_read":
        want = int(words[2])
        return "ok" if wait_until(lambda: ioctl_int(sock, termios.FIONREAD) >= want) else "sync_failed"
    if op == "sync_hup":
        ev = select.POLLRDHUP | select.POLLHUP | select.POLLERR
        return "ok" if polled(sock, ev) else "sync_failed"
    if op == "sync_out":
        return "ok" if polled(sock, select.POLLOUT | select.POLLERR | select.POLLHUP) else "sync_failed"
    if op == "sync_outq":
        return "ok" if wait_until(lambda: ioctl_int(sock, termios.TIOCOUTQ) == 0, 20.0) else "sync_failed"
    return "harness:unknown-command"


def mode_of(slot):
    sock = slots[slot]
    if sock is None:
        return ""
    return " mode=%s blk=%d" % (ns(sock.gettimeout()), sock.getblocking())


def main():
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        signal.setitimer(signal.ITIMER_REAL, WATCHDOG)
        try:
            result = execute(words)
        except Exception as exc:  # every failure is an outcome to compare
            result = kind_of(exc)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if has_slot(words) and not words[0].startswith("sync"):
            result += mode_of(int(words[1]))
        sys.stdout.write(result + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
