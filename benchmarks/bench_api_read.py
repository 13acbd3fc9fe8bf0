"""The authenticated API read alone, on the real server, against the bare FastAPI app (same run).

    uv run python benchmarks/bench_api_read.py --database-url URL --data-dir DIR
        [--workers 2] [--seconds 20] [--clients 10]

Serves an existing clinic (build one with `sclero db upgrade` + `sclero demo`) with
`sclero serve`, signs the demo physician in for a bearer token and drives
`GET /api/v1/patients/{id}` with wrk from a separate process; then the bare app
(benchmarks/bare_app.py) under the same uvicorn, workers and protocol. Prints requests/s, p95,
errors, the ratio to the bare app and the load average before each phase (the machine is shared).
"""

from __future__ import annotations

import argparse
import os

from bench_load import (
    ROOT,
    _serve_command,
    bare_baseline,
    free_port,
    lua_paths,
    measure,
    patient_ids,
    server,
    signed_in,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    env = {**os.environ, "SCLERO_DATABASE_URL": args.database_url}
    env["SCLERO_DATA_DIR"] = args.data_dir
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load = os.getloadavg()[0]
    with server(_serve_command(args.workers, port), env, port) as pid:
        _cookie, bearer = signed_in(base)
        paths = [f"/api/v1/patients/{i}" for i in patient_ids(env)]
        api = measure("api patient", base, lua_paths(paths, {"Authorization": bearer}),
                      args.clients, args.seconds, pid)  # fmt: skip
    bare_load = os.getloadavg()[0]
    bare = bare_baseline(args.workers, [args.clients], args.seconds)[args.clients]
    for r, before in ((api, load), (bare, bare_load)):
        print(f"{r.phase:12} c={r.clients}: {r.rps:7.0f} req/s  p95 {r.p95_ms:6.1f} ms  "
              f"{r.errors} errors  (load average {before:.2f} before)")  # fmt: skip
    print(f"ratio: {api.rps / bare.rps:.3f} x bare  ({ROOT.name})")


if __name__ == "__main__":
    main()
