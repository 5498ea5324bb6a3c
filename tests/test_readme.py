"""The README: what a newcomer runs comes first and works, the documented commands parse,
and every link into docs/ lands on a file and a heading that exist."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from gocnn.cli import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_the_two_commands_stay_and_ci_runs_the_test_command():
    assert "pip install torch==2.13.0 -e . && gocnn play" in README
    assert 'pip install torch==2.13.0 -e ".[test]" && python -m pytest' in README
    assert "git clone <url> gocnn && cd gocnn" in README
    assert "--index-url https://download.pytorch.org/whl/cpu" in README
    assert re.search(r"^python3 -m pytest", (REPO / ".ci" / "run").read_text(), re.M)


def test_newcomer_steps_come_first_and_history_lives_in_docs():
    heads = re.findall(r"^## (.+)$", README, re.M)
    order = ["Get it and play", "Playing in the terminal (`gocnn play`)", "Playing gocnn in a Go GUI (GTP)",
             "Training on your own games", "Strength and figures"]
    assert [h for h in heads if h in order] == order, heads
    assert heads.index("Strength and figures") < heads.index("Design")
    assert len(README.encode()) < 25_000  # the history and the figures are in docs/results.md
    for fact in ("64 columns x 24", "every size from 2x2 to 25x25", "`gocnn-policy` is a GTP command",
                 "Where `s` saves"):
        assert fact in README, fact
    results = (REPO / "docs" / "results.md").read_text(encoding="utf-8")
    for figure in ("45.5% / 77.1%", "6 wins in 20 games", "79/100 = 79.0%", "97.51%", "139,351 moves/s",
                   "8 min 19 s", "ratio 1.04"):
        assert figure in results, figure


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_relative_links_land_on_files_and_headings(doc):
    text = doc.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    local = [link for link in links if not re.match(r"[a-z]+:", link)]
    for link in local:
        path, _, anchor = link.partition("#")
        target = (doc.parent / path).resolve() if path else doc
        assert target.is_file(), f"{doc.name}: {link}"
        if anchor:
            heads = re.findall(r"^#+ (.+)$", target.read_text(encoding="utf-8"), re.M)
            assert anchor in {_anchor(h) for h in heads}, f"{doc.name}: {link}"


def _commands(text: str) -> list[str]:
    """``gocnn ...`` lines of the code blocks (continuations joined, comments cut), leaving
    out usage synopses (``[--option]``, ``--games N``), elisions (``...``) and shell variables."""
    blocks = re.findall(r"```\n(.*?)```", text, re.S) + re.findall(r"(?:\n {4}.*)+", text)
    out = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            line = re.sub(r"^torchrun .*?-m gocnn ", "gocnn ", line)
            placeholder = re.search(r"(^| )[A-Z][A-Z0-9_]*( |$)", line)  # --games N, --out DIR
            if line.startswith("gocnn ") and not placeholder and not re.search(r"\[|\.\.\.|<|\$", line):
                out.append(line)
    return out


def test_documented_commands_parse():
    commands = [c for doc in DOCS for c in _commands(doc.read_text(encoding="utf-8"))]
    assert len(commands) >= 15
    parser = build_parser()
    for command in commands:
        try:
            parser.parse_args(shlex.split(command)[1:])
        except SystemExit:
            pytest.fail(f"does not parse: {command}")
