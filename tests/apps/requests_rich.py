"""requests against an http.server this app starts on 127.0.0.1, and the
answer shown in a rich table (no terminal, no colour)."""
import http.server
import threading

import requests
from rich.console import Console
from rich.table import Table


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("path=" + self.path).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
response = requests.get("http://127.0.0.1:%d/hello?x=1" % server.server_address[1], timeout=30)
table = Table(title="response")
table.add_column("field")
table.add_column("value")
table.add_row("status", str(response.status_code))
table.add_row("type", response.headers["Content-Type"])
table.add_row("text", response.text)
Console(width=60, color_system=None, force_terminal=False).print(table)
server.shutdown()
