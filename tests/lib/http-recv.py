#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""An HTTP receiver for the http sink test: listens on 127.0.0.1 (a free
port, written to PORTFILE once listening) and appends each POST as one JSON
line {"path", "content_type", "authorization", "body"} to OUT. MODE says
what it answers: ok (200 {}), elastic (200, _bulk's {"errors": false,
"items": [...]}), elastic-partial (the first record of each batch refused,
400 in its item), refuse (400). The first FAIL requests get 503 whatever
the mode. Ends on SIGTERM."""
import http.server
import json
import os
import sys

out, mode, fail, portfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
seen = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global seen
        seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode()
        with open(out, "a") as f:
            f.write(json.dumps({"path": self.path,
                                "content_type": self.headers.get("Content-Type"),
                                "authorization": self.headers.get("Authorization"),
                                "body": body}) + "\n")
        if seen <= fail:
            return self.answer(503, {"error": "busy"})
        if mode == "refuse":
            return self.answer(400, {"error": "bad request"})
        if mode.startswith("elastic"):
            n = len([ln for ln in body.split("\n") if ln]) // 2
            items = [{"create": {"status": 201}} for _ in range(n)]
            if mode == "elastic-partial" and items:
                items[0] = {"create": {"status": 400, "error": {"reason": "mapping conflict"}}}
            return self.answer(200, {"errors": mode == "elastic-partial", "items": items})
        return self.answer(200, {})


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
