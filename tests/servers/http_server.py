#!/usr/bin/python3
"""An HTTP server on 127.0.0.1 for the http transport tests.

Usage: http_server.py PORT RECORD_DIR

Each request is recorded as RECORD_DIR/NNNN.json (method, path, headers as
[name, value] pairs, body as text) before the answer, which depends on the
path: /ok 200, /fail500 500 "database down", /fail400 400 "bad po",
/busy 429 "slow down", anything else 404 "no such endpoint".
"""
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWERS = {
    "/ok": (200, "accepted\n"),
    "/fail500": (500, "database down\n"),
    "/fail400": (400, "bad po\n"),
    "/busy": (429, "slow down\n"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    count = 0

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        Handler.count += 1
        record = {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": body.decode("latin-1"),
        }
        out = self.server.record_dir
        tmp = os.path.join(out, ".%04d.tmp" % Handler.count)
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(out, "%04d.json" % Handler.count))
        status, text = ANSWERS.get(self.path, (404, "no such endpoint\n"))
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))


def main():
    port, record_dir = int(sys.argv[1]), sys.argv[2]
    os.makedirs(record_dir, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.record_dir = record_dir
    server.serve_forever()


if __name__ == "__main__":
    main()
