#!/usr/bin/env python3
"""An HTTPS server for Portdesk's TLS tests: answers 200 to every POST and writes each request
body into DIR as <n>.json.

  python3 tests/support/https_server.py --port 8443 --cert server.pem --key server.key --dir DIR

Prints "ready" when it accepts connections; stops on SIGTERM/SIGINT.
"""
import argparse
import http.server
import os
import signal
import ssl
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()
    count = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            count[0] += 1
            with open(os.path.join(a.dir, "%d.json" % count[0]), "wb") as f:
                f.write(body)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.shutdown()


if __name__ == "__main__":
    main()
