"""httpx: a request to a local server started by the app."""
import httpx

import local_server

server = local_server.start()
response = httpx.get(f"http://127.0.0.1:{server.server_port}/x")
print(response.status_code, response.json())
server.shutdown()
