#!/usr/bin/env python3
"""Differential lab origin on Python's http.server: logs, for every request it acts on,
the method, target and body it parsed (one JSON line each) and answers 200. Bodies by
Content-Length only (http.server does not read chunked bodies: such a request's body is
logged empty, as the application would see it).

usage: python_origin.py PORT LOGFILE"""
import http.server
import json
import socketserver
import sys

PORT, LOG = int(sys.argv[1]), sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        with open(LOG, "a") as f:
            f.write(json.dumps({"id": self.headers.get("X-Diff-Id", ""), "method": self.command,
                                "target": self.path, "body": body.decode("latin-1")}) + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_one

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


Server(("0.0.0.0", PORT), Handler).serve_forever()
