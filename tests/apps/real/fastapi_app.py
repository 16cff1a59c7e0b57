"""A FastAPI service run by uvicorn on 127.0.0.1:PORT (argv[1]). Prints
"ready <pid>" first, so that a test can signal it; stops on SIGTERM."""
import os
import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI(title="pybundle real app")


class Item(BaseModel):
    id: int
    name: str
    tags: list[str] = []


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None) -> dict:
    item = Item(id=item_id, name=f"item-{item_id}", tags=["a", "b"])
    return {"item": item.model_dump(), "q": q, "frozen": getattr(sys, "frozen", False)}


@app.get("/health")
def health() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    port = int(sys.argv[1])
    print("ready", os.getpid(), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")
    print("stopped", flush=True)
