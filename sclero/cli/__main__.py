"""`python -m sclero.cli`: the full command line."""

from sclero.cli import app

app()
