#!/usr/bin/env python3
# Copyright (c) 2026 sockmode contributors
# SPDX-License-Identifier: BSL-1.0
"""Makes the drop-in copy of one of Asio's or Beast's examples, in the build tree.

The examples are read from the installed libboost1.81-doc at build time and are never stored
in this repository. The only changes made:

  - the type names: the table TYPES below;
  - `#include <sockmode/sockmode.hpp>` before the first #include;
  - "level 2": on the lines that call `boost::asio::connect` or `net::connect` (and on no
    other line), that function's name becomes `sockmode::connect`; the script says when it did;
  - with --timeout, one added line that sets a 1 s timeout (the table TIMEOUT_LINES below).

--mode original copies the file unchanged (the test harness run with Asio's own types).
--diff prints the unified diff of the copy against the original.
"""

import argparse
import difflib
import re
import sys

# (pattern, replacement). A name is only replaced where it is not the tail of a longer
# qualified name, so `sockmode::tcp::socket` is never produced twice.
TYPES = [
    (r"(?<![\w:])(?:boost::asio::ip::)?tcp::iostream\b", "sockmode::tcp::iostream"),
    (r"(?<![\w:])tcp::socket\b", "sockmode::tcp::socket"),
    (r"(?<![\w:])tcp::acceptor\b", "sockmode::tcp::acceptor"),
    (r"(?<![\w:])udp::socket\b", "sockmode::udp::socket"),
    (r"(?<![\w:])stream_protocol::socket\b", "sockmode::local::stream_socket"),
    (r"(?<![\w:])beast::tcp_stream\b", "sockmode::tcp_stream"),
]

LEVEL2 = (r"(?<![\w:])(?:boost::asio|net)::connect\(", "sockmode::connect(")

INCLUDE = "#include <sockmode/sockmode.hpp>"

# Example name -> (regex matching the line after which the timeout line goes, the line).
# The line takes the indentation of the line after it, or of the anchor line.
TIMEOUT_LINES = {
    "blocking_tcp_echo_client": (r"sockmode::tcp::socket s\(io_context\);",
                                 "s.settimeout(std::chrono::seconds(1));"),
    "blocking_tcp_echo_server": (r"^void session\(", None),  # see below: first `for (;;)`
    "blocking_udp_echo_client": (r"sockmode::udp::socket s\(io_context,",
                                 "s.settimeout(std::chrono::seconds(1));"),
    "blocking_udp_echo_server": (r"sockmode::udp::socket sock\(io_context,",
                                 "sock.settimeout(std::chrono::seconds(1));"),
    "stream_client": (r"sockmode::local::stream_socket s\(io_context\);",
                      "s.settimeout(std::chrono::seconds(1));"),
    "http_client": (r"s\.expires_after\(std::chrono::seconds\(60\)\);",
                    "s.expires_after(std::chrono::seconds(1));"),
    "http_client_sync": (r"sockmode::tcp_stream stream\(ioc\);",
                         "stream.expires_after(std::chrono::seconds(1));"),
    "http_server_sync": (r"beast::flat_buffer buffer;",
                         "socket.settimeout(std::chrono::seconds(1));"),
    "websocket_client_sync": (r"websocket::stream<sockmode::tcp::socket> ws\{ioc\};",
                              "ws.next_layer().settimeout(std::chrono::seconds(1));"),
    "websocket_server_sync": (r"websocket::stream<sockmode::tcp::socket> ws\{std::move\(socket\)\};",
                              "ws.next_layer().settimeout(std::chrono::seconds(1));"),
    "http_server_sync_ssl": (r"beast::ssl_stream<sockmode::tcp::socket&> stream\{socket, ctx\};",
                             "socket.settimeout(std::chrono::seconds(1));"),
    "http_client_sync_ssl": (r"beast::ssl_stream<sockmode::tcp_stream> stream\(ioc, ctx\);",
                             "beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(1));"),
    "websocket_server_sync_ssl": (
        r"websocket::stream<beast::ssl_stream<sockmode::tcp::socket&>> ws\{socket, ctx\};",
        "socket.settimeout(std::chrono::seconds(1));"),
}
# The echo server's session has no statement to follow but its loop: the line goes before
# the first `for (;;)` after `void session(`.
ECHO_SERVER_LINE = "sock.settimeout(std::chrono::seconds(1));"


def swap(lines):
    out = []
    included = False
    level2_lines = 0
    for line in lines:
        if not included and line.startswith("#include"):
            out.append(INCLUDE + "\n")
            included = True
        for pattern, replacement in TYPES:
            line = re.sub(pattern, replacement, line)
        if re.search(LEVEL2[0], line):
            line = re.sub(LEVEL2[0], LEVEL2[1], line)
            level2_lines += 1
        out.append(line)
    if not included:
        sys.exit("swap.py: no #include line to put sockmode's before")
    return out, level2_lines


def add_timeout(lines, name):
    anchor, added = TIMEOUT_LINES[name]
    out = list(lines)
    for i, line in enumerate(out):
        if re.search(anchor, line):
            if added is None:  # the echo server: before the session's first loop
                j = next(k for k in range(i, len(out)) if out[k].strip() == "for (;;)")
                indent = re.match(r"\s*", out[j]).group(0)
                out.insert(j, indent + ECHO_SERVER_LINE + "\n")
            else:
                indent = re.match(r"\s*", line).group(0)
                out.insert(i + 1, indent + added + "\n")
            return out
    sys.exit(f"swap.py: {name}: no line matches {anchor!r}; the timeout line has no place")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["swap", "original"], default="swap")
    parser.add_argument("--timeout", action="store_true", help="add the 1 s timeout line")
    parser.add_argument("--name", required=True, help="the example's name (file stem)")
    parser.add_argument("--diff", action="store_true", help="print the diff to stdout")
    parser.add_argument("source")
    parser.add_argument("output")
    args = parser.parse_args()

    with open(args.source, encoding="utf-8") as f:
        original = f.readlines()
    if args.mode == "original":
        result, level2_lines = list(original), 0
    else:
        result, level2_lines = swap(original)
        if args.timeout:
            result = add_timeout(result, args.name)
    with open(args.output, "w", encoding="utf-8") as f:
        f.writelines(result)
    if args.diff:
        if level2_lines:
            print(f"# {args.name}: level 2 ({level2_lines} line calling asio's connect)")
        sys.stdout.writelines(difflib.unified_diff(
            original, result, fromfile=args.source, tofile=args.name + ".cpp", n=0))


if __name__ == "__main__":
    main()
