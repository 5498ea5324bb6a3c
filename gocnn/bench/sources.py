"""What the benches measure on: SGF files from the repository's samples or the shared archives,
parsed records, and positions from real games."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "sgf"
SHARED_SGF = REPO.parent / "shared" / "data" / "sgf"


def sgf_sources(data: str | None, shared_archives: tuple[str, ...]) -> list[Path]:
    """``--data``, else the named shared archives when all are present, else the samples.
    KGS-2017_05 is held out for evaluation and never named here."""
    if data:
        return [Path(data)]
    shared = [SHARED_SGF / name for name in shared_archives]
    return shared if all(p.is_file() for p in shared) else [SAMPLES]


def files_per_source(sources: list[Path], games: int) -> list[bytes]:
    """The first SGF files of each source, ``games`` in all (split evenly over the sources)."""
    from gocnn.go import sgf
    per = -(-games // len(sources))
    out: list[bytes] = []
    for src in sources:
        taken = 0
        for _name, data in sgf.iter_files([src]):
            out.append(data)
            taken += 1
            if taken >= per:
                break
    return out[:games]


def games_to_measure(data: str | None, shared_archives: tuple[str, ...], games: int,
                     read) -> tuple[list[Path], list[bytes], list]:
    """The sources (:func:`sgf_sources`), their first ``games`` SGF files and ``read`` of them
    (e.g. :func:`records`); raises GocnnError when that leaves nothing to measure."""
    from gocnn.errors import GocnnError
    sources = sgf_sources(data, shared_archives)
    files = files_per_source(sources, games)
    items = read(files)
    if not items:
        raise GocnnError(f"no games to measure in {', '.join(map(str, sources))}")
    return sources, files, items


def records(files: list[bytes]) -> list:
    """Every usable game in the files, parsed and replayed by :mod:`gocnn.go.sgf`."""
    from gocnn.go import sgf
    out = []
    for data in files:
        try:
            out.extend(r for r in sgf.parse_games(data) if not isinstance(r, sgf.SgfError))
        except sgf.SgfError:
            pass
    return out


def positions(data: str | None, games: int, size: int = 19, per_game: int = 12) -> list:
    """``per_game`` boards spread over each of the first ``games`` games of ``size`` with 100+
    moves (``--data``, default the repository's KGS sample), opening to end.  Raises
    GocnnError when there are none."""
    from gocnn.errors import GocnnError
    from gocnn.go.sgf import Filters, read_games

    source = data or str(SAMPLES / "kgs-sample.tar.gz")
    boards, taken = [], 0
    for rec in read_games([source], Filters(sizes=(size,), min_moves=100)):
        step = max(1, len(rec.moves) // per_game)
        board = rec.board()
        for i, (color, point) in enumerate(rec.moves):
            if i % step == step // 2 and len(boards) < (taken + 1) * per_game:
                boards.append(board.copy())
            board.play(color, point)
        taken += 1
        if taken >= games:
            break
    if not boards:
        raise GocnnError(f"no {size}x{size} games of 100+ moves in {source}")
    return boards
