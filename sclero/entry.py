"""The `sclero` command: `evaluate` runs on the pure engine alone, everything else on the full CLI.

Evaluating a case needs neither the database nor the web stack, so it does not import them: a
clinic re-checking its protocol copy pays for the engine only (benchmarks/bench_cli.py).
"""

from __future__ import annotations

import os
import sys

_HELP = {"--help", "-h"}


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["evaluate"] and not _HELP & set(args[1:]):
        # Sclero uses no pydantic plugin: skip the scan of every installed package for one.
        os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
        # Imported here, not at the top: the fast path must not load the full CLI's imports.
        from sclero.evaluate_cli import main as evaluate

        raise SystemExit(evaluate(args[1:]))
    from sclero.cli import app  # the full command line (database, server, demo)

    app()
