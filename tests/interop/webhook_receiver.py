"""A webhook receiver that verifies each delivery with the Standard Webhooks reference
library (the `standardwebhooks` package), as an integrator's receiver would.

Usage: webhook_receiver.py SECRET FAILURES [PORT]

Prints one JSON line with the port it listens on, then one JSON line per request: the
attempt's number, the `webhook-id`, whether the signature verified and the body. The first
FAILURES requests are answered 503 (before any verification, as a receiver that is down);
later ones 204 when the signature verifies, 400 when it does not.
"""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook

secret = sys.argv[1]
failures = int(sys.argv[2])
verifier = Webhook(secret)
attempts = 0


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        global attempts
        attempts += 1
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {key.lower(): value for key, value in self.headers.items()}
        line = {"attempt": attempts, "id": headers.get("webhook-id")}
        if attempts <= failures:
            line["status"] = 503
            self.send_response(503)
        else:
            try:
                line["payload"] = verifier.verify(body, headers)
                line["verified"] = True
                line["status"] = 204
            except Exception as error:  # the library's verification error
                line["verified"] = False
                line["error"] = str(error)
                line["status"] = 400
            self.send_response(line["status"])
        self.end_headers()
        print(json.dumps(line), flush=True)

    def log_message(self, *args):
        pass


port = int(sys.argv[3]) if len(sys.argv) > 3 else 0
server = ThreadingHTTPServer(("127.0.0.1", port), Receiver)
print(json.dumps({"port": server.server_address[1]}), flush=True)
server.serve_forever()
