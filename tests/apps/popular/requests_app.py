"""requests: a session (which finds certifi's CA bundle) and a request to
a local server started by the app."""
import requests

import local_server

server = local_server.start()
with requests.Session() as session:
    response = session.get(f"http://127.0.0.1:{server.server_port}/x", timeout=10)
print(response.status_code, response.json(), requests.utils.DEFAULT_CA_BUNDLE_PATH.endswith("cacert.pem"))
server.shutdown()
