"""The package's layers (docs: /DESIGN.md, README's Design section), read from the source with
``ast``: every import of every module under gocnn/ and selfplay/, lazy ones inside functions
included (they are dependencies all the same), is checked against these rules:

* ``argparse`` and ``gocnn.cli`` are imported only inside gocnn/cli/ (and ``gocnn.__main__``);
* ``textual`` only inside gocnn/tui/ and gocnn/bench/peers/;
* the Go modules (board, coords, sgf, scoring) never import torch at module level, and they and
  the GTP protocol load without it;
* nothing imports a module of a higher layer (LAYERS, lowest first).

Known breaks that are being fixed are listed in ALLOWED with the reason; the list is meant to
shrink.  A test fails too when an allowed break is gone, so the entry is removed with the fix."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# lowest first; a module belongs to the layer of the longest name that is a prefix of its own
LAYERS = [
    ["gocnn", "gocnn.errors", "gocnn.util"],                  # shared basics
    ["gocnn.go"],                                             # rules, records, scoring (no torch)
    ["gocnn.features", "gocnn.targets", "gocnn.data"],        # planes, shards
    ["gocnn.model"],                                          # conv core, configs, nets, files, evaluator
    ["gocnn.train", "gocnn.play"],                            # training; players and search
    ["gocnn.gtp", "gocnn.tui", "gocnn.mnist", "gocnn.bench"],  # front ends
    ["selfplay"],                                             # on the public API
    ["gocnn.cli", "gocnn.__main__"],                          # the edge
]
GO_MODULES = ["gocnn.go", "gocnn.go.board", "gocnn.go.coords", "gocnn.go.sgf", "gocnn.go.scoring"]
TORCH_FREE = GO_MODULES + ["gocnn.gtp", "gocnn.gtp.engine"]  # import them and torch is not loaded

# (importer, imported): why it is still there.  Remove an entry with its fix.
ALLOWED: dict[tuple[str, str], str] = {}


def _modules():
    for path in sorted([*(REPO / "gocnn").rglob("*.py"), *(REPO / "selfplay").rglob("*.py")]):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        yield name, path


def _imports(name: str, path: Path):
    """(imported module, line, at module level) for every import in the file, relative ones
    resolved; imports under ``if TYPE_CHECKING:`` are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top = {id(node) for node in tree.body}
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in top
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            yield module, node.lineno, id(node) in top
            for alias in node.names:  # "from gocnn import cli" imports gocnn.cli
                yield f"{module}.{alias.name}", node.lineno, id(node) in top


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _layer(module: str) -> int | None:
    best = None
    for rank, names in enumerate(LAYERS):
        for prefix in names:
            if _within(module, prefix) and (best is None or len(prefix) > len(best[1])):
                best = (rank, prefix)
    return best[0] if best else None


def _is_module(name: str) -> bool:
    """Whether ``name`` (maybe "gocnn.go.board.Board") names one of our modules, not an attribute."""
    parts = name.split(".")
    return (REPO.joinpath(*parts).with_suffix(".py").is_file() or (REPO.joinpath(*parts) / "__init__.py").is_file())


def _allowed(importer: str, imported: str) -> bool:
    return any(_within(importer, a) and _within(imported, b) for a, b in ALLOWED)


MODULES = list(_modules())
IMPORTS = [(name, imported, line, top) for name, path in MODULES for imported, line, top in _imports(name, path)]


def test_every_module_has_a_layer():
    assert [name for name, _ in MODULES if _layer(name) is None] == []


def test_argparse_and_the_cli_only_inside_the_cli():
    wrong = [f"{name}:{line} imports {imported}" for name, imported, line, _ in IMPORTS
             if (imported == "argparse" or _within(imported, "gocnn.cli"))
             and not (_within(name, "gocnn.cli") or name == "gocnn.__main__") and not _allowed(name, imported)]
    assert wrong == []


def test_textual_only_inside_the_tui_and_the_bench_peers():
    wrong = [f"{name}:{line}" for name, imported, line, _ in IMPORTS if _within(imported, "textual")
             and not (_within(name, "gocnn.tui") or _within(name, "gocnn.bench.peers"))]
    assert wrong == []


def test_go_modules_do_not_import_torch_at_module_level():
    wrong = [f"{name}:{line}" for name, imported, line, top in IMPORTS
             if name in GO_MODULES and top and _within(imported, "torch")]
    assert wrong == []


@pytest.mark.parametrize("module", TORCH_FREE)
def test_go_modules_and_gtp_load_without_torch(module):
    code = f"import sys, {module}; assert 'torch' not in sys.modules, 'torch loaded'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_nothing_imports_upward():
    wrong = []
    for name, imported, line, _ in IMPORTS:
        if not _is_module(imported) or _within(imported, name) or _allowed(name, imported):
            continue  # an attribute, or a package importing its own modules
        if _layer(imported) is not None and _layer(imported) > _layer(name):
            wrong.append(f"{name}:{line} imports {imported} (layer {_layer(imported)} > {_layer(name)})")
    assert wrong == []


def test_every_allowed_break_still_exists():
    """An allowed break that is fixed leaves the list with its fix."""
    seen = {(a, b) for a, b in ALLOWED
            if any(_within(name, a) and _within(imported, b) for name, imported, _, _ in IMPORTS)}
    assert seen == set(ALLOWED)


def test_the_checker_catches_what_it_should(tmp_path):
    """The rules on a few made-up modules: an upward import and a lazy argparse are found."""
    path = tmp_path / "board.py"
    path.write_text("import numpy\ndef f():\n    import argparse\n    from gocnn.play.policy import choose_move\n")
    found = list(_imports("gocnn.go.board", path))
    assert ("argparse", 3, False) in found and ("gocnn.play.policy", 4, False) in found
    assert _layer("gocnn.play.policy") > _layer("gocnn.go.board") and _layer("gocnn.tui.app") == _layer("gocnn.gtp.engine")
