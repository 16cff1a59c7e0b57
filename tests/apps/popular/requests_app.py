"""requests: a session (which finds certifi's CA bundle) and a request to
a local server started by the app."""
import http.server
import threading

import requests


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
with requests.Session() as session:
    response = session.get(f"http://127.0.0.1:{server.server_port}/x", timeout=10)
print(response.status_code, response.json(), requests.utils.DEFAULT_CA_BUNDLE_PATH.endswith("cacert.pem"))
server.shutdown()
