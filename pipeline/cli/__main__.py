"""`python -m pipeline.cli`: the `plans` program."""

from pipeline.cli import run

run()
