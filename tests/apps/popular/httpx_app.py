"""httpx: a request to a local server started by the app."""
import http.server
import threading

import httpx


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
response = httpx.get(f"http://127.0.0.1:{server.server_port}/x")
print(response.status_code, response.json())
server.shutdown()
