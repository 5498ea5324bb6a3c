"""Functions read top to bottom in under a screen (DESIGN.md): no function under gocnn/ or
selfplay/ is longer than LIMIT lines, numba kernels and ``Board.play`` excepted (one flat
loop is what makes them fast).  The longest ones that are still to be split are listed in
TOO_LONG; the list is meant to shrink, and an entry that is now short enough must leave it."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIMIT = 80
EXCEPTED = {"gocnn/go/board.py Board.play"}
# still to be split: none since issue 14 (an entry here must name a function over LIMIT)
TOO_LONG: set[str] = set()


def _functions():
    """(lines, "path qualified.name", is a numba kernel) for every function and method."""
    for path in sorted([*(REPO / "gocnn").rglob("*.py"), *(REPO / "selfplay").rglob("*.py")]):
        rel = path.relative_to(REPO).as_posix()

        def visit(node, prefix):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    name = prefix + child.name
                    kernel = any("jit" in ast.unparse(d) for d in child.decorator_list)
                    yield child.end_lineno - child.lineno + 1, f"{rel} {name}", kernel
                    yield from visit(child, name + ".")
                elif isinstance(child, ast.ClassDef):
                    yield from visit(child, prefix + child.name + ".")

        yield from visit(ast.parse(path.read_text(encoding="utf-8")), "")


def longest(count: int = 10) -> list[tuple[int, str]]:
    """The longest functions outside the kernels and the exceptions, longest first."""
    rows = [(n, name) for n, name, kernel in _functions() if not kernel and name not in EXCEPTED]
    return sorted(rows, reverse=True)[:count]


def test_no_function_is_longer_than_a_screen():
    long = {name: n for n, name, kernel in _functions() if n > LIMIT and not kernel and name not in EXCEPTED}
    assert set(long) - TOO_LONG == set(), {name: long[name] for name in set(long) - TOO_LONG}


def test_a_function_split_leaves_the_list():
    lengths = {name: n for n, name, _ in _functions()}
    assert {name for name in TOO_LONG if lengths.get(name, 0) <= LIMIT} == set()


if __name__ == "__main__":  # python tests/test_function_length.py: the ten longest
    for n, name in longest():
        print(f"{n:4d}  {name}")
