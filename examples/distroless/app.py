"""A small FastAPI service to run from a distroless image: serves on
0.0.0.0:$PORT (8000 by default) with uvicorn."""
import os
import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI(title="pybundle distroless example")


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


@app.get("/hello/{name}")
def hello(name: str) -> dict:
    return {"hello": name, "frozen": getattr(sys, "frozen", False), "uid": os.getuid()}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=int(os.environ.get("PORT", "8000")))
