import json


def describe():
    return json.dumps({"plugin": __name__, "hidden": True})
