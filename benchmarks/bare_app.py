"""The bare-framework baseline of bench_load.py: one sync FastAPI route, nothing of Sclero."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
def hello() -> dict[str, bool]:
    return {"ok": True}


@app.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
