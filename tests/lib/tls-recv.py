#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""A TLS receiver for the tls: sink test: listens on 127.0.0.1:PORT with
CERT and KEY, requires a client certificate signed by CA, and appends every
byte received, connection after connection, to OUT. Writes "ready" to stderr
once listening and "sni NAME" for each handshake (None: no SNI sent). Ends
on SIGTERM."""
import socket
import ssl
import sys

port, cert, key, ca, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
ctx.load_verify_locations(ca)
ctx.verify_mode = ssl.CERT_REQUIRED


def sni(sock, name, c):
    print("sni %s" % name, file=sys.stderr, flush=True)


ctx.sni_callback = sni
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", port))
ls.listen(8)
print("ready", file=sys.stderr, flush=True)
with open(out, "ab", buffering=0) as f:
    while True:
        conn, _ = ls.accept()
        try:
            with ctx.wrap_socket(conn, server_side=True) as c:
                while True:
                    b = c.recv(65536)
                    if not b:
                        break
                    f.write(b)
        except (ssl.SSLError, OSError) as e:
            print("refused: %s" % e, file=sys.stderr, flush=True)
