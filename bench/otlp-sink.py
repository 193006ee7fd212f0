"""An OTLP/HTTP collector that accepts every export and keeps nothing (bench/versus.sh).

    python3 otlp-sink.py PORT

Answers each POST with 200 and `{}`; on every 100th request, and at exit, prints how many spans
it has received so far.
"""

import http.server
import json
import sys


class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    requests = 0
    spans = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            export = json.loads(body)
            for resource in export.get("resourceSpans", []):
                for scope in resource.get("scopeSpans", []):
                    Sink.spans += len(scope.get("spans", []))
        except ValueError:
            pass
        Sink.requests += 1
        if Sink.requests % 100 == 0:
            print(Sink.spans, flush=True)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Sink)
try:
    server.serve_forever()
finally:
    print(Sink.spans, flush=True)
