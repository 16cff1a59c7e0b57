"""requests against an http.server this app starts on 127.0.0.1."""
import http.server
import threading

import requests

BODY = "served by http.server \u2713\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (BODY + "path=" + self.path + "\n").encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
url = "http://127.0.0.1:%d/hello?x=1" % server.server_address[1]
with requests.Session() as s:
    r = s.get(url, timeout=30)
print("status:", r.status_code)
print("type:", r.headers["Content-Type"])
print("text:", r.text.strip().replace("\n", " | "))
print("requests", requests.__version__.split(".")[0])
server.shutdown()
