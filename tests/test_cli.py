"""The command line's contract for options: a bad value is refused before any work starts,
with one line on stderr and exit code 2 (never a usage block or a traceback)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from gocnn.cli import build_parser


@pytest.mark.parametrize("argv, words", [
    (["eval", "--sgf", "x.sgf", "--threads", "-1"], "--threads: must be >= 0, not -1"),
    (["train", "--data", "d", "--out", "o", "--threads", "-2"], "--threads: must be >= 0, not -2"),
    (["rl", "--out", "o", "--threads", "-1"], "--threads: must be >= 0, not -1"),
    (["mnist", "train", "--threads", "-4"], "--threads: must be >= 0, not -4"),
    (["bench", "infer", "--threads", "many"], "--threads: not an integer: 'many'"),
    (["gtp", "--threads", "0"], "--threads: must be >= 1, not 0"),
    (["gtp", "--resign", "1.5"], "--resign: must be between 0 and 1, not 1.5"),
    (["eval"], "the following arguments are required: --sgf"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_options_are_one_line_and_exit_2(argv, words):
    proc = subprocess.run([sys.executable, "-m", "gocnn", *argv], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == "", proc
    assert proc.stderr.count("\n") == 1 and words in proc.stderr and "--help" in proc.stderr, proc.stderr


def test_thread_counts_that_mean_something_are_taken():
    parse = build_parser().parse_args
    assert parse(["eval", "--sgf", "x", "--threads", "0"]).threads == 0  # 0: torch's choice
    assert parse(["train", "--data", "d", "--out", "o", "--threads", "3"]).threads == 3
    assert parse(["gtp"]).threads == 1 and parse(["gtp", "--threads", "4"]).threads == 4
    assert parse(["gtp", "--resign", "1"]).resign == 1.0 and parse(["gtp", "--resign", "0"]).resign == 0.0
