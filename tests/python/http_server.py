"""A local HTTP server for the data-hub tests: serves ROOT on 127.0.0.1 and misbehaves on request.

    /usr/bin/python3 tests/python/http_server.py ROOT LOG

prints the port it listens on, then serves until killed. Each request is appended to LOG as
"PATH RANGE". The first path component picks the behaviour for the file ROOT/<rest>:

    /files/F        the file, with Range support (206 Partial Content)
    /drop-once/F    the first request sends half the body and closes; later ones behave as /files
    /norange/F      always the whole file (200), whatever the Range header says
    /html/F         an HTML error page with status 200 and Content-Type text/html
    /html-body/F    an HTML page sent as application/octet-stream
    /slow/F         the headers, then nothing for a minute
    /redirect/F     a 302 to /files/F
    anything else   404
"""
import http.server
import os
import sys
import threading
import time

ROOT, LOG = sys.argv[1], sys.argv[2]
dropped = set()
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock, open(LOG, "a") as log:
            log.write(f"{self.path} {self.headers.get('Range', '-')}\n")
        _, mode, rest = self.path.split("/", 2) if self.path.count("/") >= 2 else ("", "", "")
        path = os.path.join(ROOT, rest)
        if mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "/files/" + rest)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if mode in ("html", "html-body"):
            body = b"<!DOCTYPE html>\n<html><body>Service unavailable. Please log in.</body></html>\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if mode == "html" else "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if mode not in ("files", "drop-once", "norange", "slow") or not os.path.isfile(path):
            self.send_error(404)
            return
        data = open(path, "rb").read()
        start = 0
        ranged = self.headers.get("Range", "")
        if ranged.startswith("bytes=") and mode != "norange":
            start = int(ranged[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if mode == "slow":
            time.sleep(60)
            return
        with lock:
            drop = mode == "drop-once" and self.path not in dropped
            dropped.add(self.path)
        if drop:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
