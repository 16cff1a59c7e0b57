"""Flask: a JSON endpoint called through the test client."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/echo", methods=["GET", "POST"])
def echo():
    body = request.get_json()
    return jsonify(got=body["n"] * 2, method=request.method)


with app.test_client() as client:
    response = client.get("/echo", json={"n": 21})
    print(response.status_code, response.get_json())
    print(client.get("/missing").status_code)
