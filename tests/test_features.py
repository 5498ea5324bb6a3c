"""Feature planes, tested the way a Go player checks them: on diagrams.

Each plane group of ``alphago48`` is rendered back into a diagram (stones as ``X``/``O``, the
group's value on the other points) and compared with one worked out by hand.  Then the planes
of real games are checked against gocnn.go.board at every empty point of a few hundred positions,
and the ladder planes against GNU Go's own ladder reader.
"""

from __future__ import annotations


import numpy as np
import pytest

from gocnn import features
from gocnn.go import coords, sgf
from gocnn.go.board import BLACK, EMPTY, WHITE, Board, opponent
from gocnn.features import FEATURE_SETS, apply_symmetry, encode, encode_game, feature_set

AG = feature_set("alphago48")
# the value of a one-hot group's first plane: turns since 1.., capture size 0.., ...
BASE = {"turns_since": 1, "liberties": 1, "capture_size": 0, "self_atari_size": 1,
        "liberties_after": 1, "ladder_capture": 1, "ladder_escape": 1, "sensibleness": 1}
STONE_GROUPS = {"turns_since", "liberties"}  # groups about stones; the rest are about moves


def show(board: Board, group: str, name: str = "alphago48") -> str:
    """One plane group of ``board`` (to move: ``board.to_move``) as a diagram, top row first.

    Groups about stones print their value on the stones and ``.`` elsewhere; groups about moves
    print the stones as ``X``/``O`` and the value (``.`` for none) on the empty points.  A
    point where a one-hot group has two planes set prints ``?``."""
    fs = feature_set(name)
    x = encode(board, name)[fs.index(group)]
    size = board.size
    rows = []
    for r in range(size - 1, -1, -1):
        cells = []
        for c in range(size):
            v = board.colors[r * size + c]
            on = np.flatnonzero(x[:, r, c])
            value = "." if len(on) == 0 else "?" if len(on) > 1 else str(BASE[group] + on[0])
            if group in STONE_GROUPS:
                cells.append(value if v != EMPTY else ".")
            else:
                cells.append({BLACK: "X", WHITE: "O"}.get(v, value))
        rows.append(" ".join(cells))
    return "\n".join(rows)


def diagram(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines())


def at(board: Board, group: str, vertex: str) -> str:
    """The value of a group at one GTP vertex, as :func:`show` prints it."""
    r, c = coords.from_gtp(vertex, board.size)
    return show(board, group).splitlines()[board.size - 1 - r].split()[c]


def mask(text: str) -> np.ndarray:
    """``"1 . .\\n. 1 ."`` (top row first) -> a (size, size) 0/1 array, row 0 at the bottom."""
    rows = [line.split() for line in text.strip().splitlines()]
    return np.array([[1 if ch == "1" else 0 for ch in row] for row in reversed(rows)], np.uint8)


def play(board: Board, *moves: str) -> Board:
    """Play GTP moves ("B D4", "W pass") in order."""
    for m in moves:
        colour, vertex = m.split()
        point = coords.from_gtp(vertex, board.size)
        board.play(BLACK if colour == "B" else WHITE, None if point is None else coords.to_flat(point, board.size))
    return board


# ---------------------------------------------------------------------- the registry
def test_registry_plane_counts_and_groups():
    assert {name: fs.planes for name, fs in FEATURE_SETS.items()} == {
        "basic12": 12, "basic20": 20, "alphago48": 48}
    assert [(g, AG.index(g)) for g, _ in AG.groups] == [
        ("stone_colour", slice(0, 3)), ("ones", slice(3, 4)), ("turns_since", slice(4, 12)),
        ("liberties", slice(12, 20)), ("capture_size", slice(20, 28)),
        ("self_atari_size", slice(28, 36)), ("liberties_after", slice(36, 44)),
        ("ladder_capture", slice(44, 45)), ("ladder_escape", slice(45, 46)),
        ("sensibleness", slice(46, 47)), ("zeros", slice(47, 48))]
    with pytest.raises(ValueError, match="unknown feature set"):
        feature_set("alphago49")
    with pytest.raises(KeyError):
        feature_set("basic12").index("liberties")


def test_smaller_sets_are_prefixes_of_alphago48():
    board = play(Board(9), "B E5", "W D4", "B C3", "W E4", "B F4", "W pass", "B E3")
    full = encode(board, "alphago48")
    for name in ("basic12", "basic20"):
        x = encode(board, name)
        assert x.shape == (feature_set(name).planes, 9, 9) and x.dtype == np.uint8
        assert np.array_equal(x, full[:len(x)])


# ---------------------------------------------------------------------- stones, ones, zeros
POSITION = """
. . . . .
. X O . .
. . X . .
. . . O .
. . . . .
"""


@pytest.mark.parametrize("to_move, own, opp", [
    (BLACK, ". . . . .\n. 1 . . .\n. . 1 . .\n. . . . .\n. . . . .",
            ". . . . .\n. . 1 . .\n. . . . .\n. . . 1 .\n. . . . ."),
    (WHITE, ". . . . .\n. . 1 . .\n. . . . .\n. . . 1 .\n. . . . .",
            ". . . . .\n. 1 . . .\n. . 1 . .\n. . . . .\n. . . . ."),
])
def test_stone_colour_is_seen_from_the_player_to_move(to_move, own, opp):
    x = encode(Board.from_ascii(POSITION, to_move), "alphago48")
    assert np.array_equal(x[0], mask(own))
    assert np.array_equal(x[1], mask(opp))
    assert np.array_equal(x[2], 1 - mask(own) - mask(opp))
    assert (x[3] == 1).all() and (x[47] == 0).all()


def test_swapping_colours_swaps_every_plane_but_nothing_else():
    black = Board.from_ascii(POSITION, BLACK)
    swapped = Board.from_ascii(POSITION.replace("X", "o").replace("O", "X").replace("o", "O"), WHITE)
    assert np.array_equal(encode(black, "alphago48"), encode(swapped, "alphago48"))


# ---------------------------------------------------------------------- turns since
def test_turns_since_counts_plies_passes_included_setup_as_old():
    board = Board(7)
    board.setup(BLACK, [coords.to_flat(coords.from_gtp("G7", 7), 7)])
    play(board, "B A1", "W C1", "B E1", "W G1", "B A3", "W C3", "B pass", "W E3", "B G3", "W A5")
    assert show(board, "turns_since") == diagram("""
        . . . . . . 8
        . . . . . . .
        1 . . . . . .
        . . . . . . .
        6 . 5 . 3 . 2
        . . . . . . .
        8 . 8 . 8 . 7
    """)


def test_turns_since_of_a_stone_played_where_one_was_captured():
    board = play(Board(5), "B B1", "W A1", "B A2")  # A1 is taken off
    play(board, "W C5", "B A1")
    assert at(board, "turns_since", "A1") == "1" and at(board, "turns_since", "B1") == "5"


# ---------------------------------------------------------------------- liberties
def test_liberties_edges_corners_shared_and_capped_at_8():
    board = Board.from_ascii("""
        X . . . . . O
        . . . . . . .
        . . O O O O .
        . . . . . . .
        . X X . . . .
        X O . . . . .
        O . . . . . X
    """)
    assert show(board, "liberties") == diagram("""
        2 . . . . . 2
        . . . . . . .
        . . 8 8 8 8 .
        . . . . . . .
        . 5 5 . . . .
        1 2 . . . . .
        1 . . . . . 2
    """)


# ---------------------------------------------------------------------- moves
CAPTURES = """
. . . . . . .
. . . X . . .
. X X O X . .
X O O . . . .
. X X O X . .
. . . X . . .
. . . . . . .
"""


def test_capture_size_sums_every_chain_a_move_takes():
    assert show(Board.from_ascii(CAPTURES, BLACK), "capture_size") == diagram("""
        0 0 0 0 0 0 0
        0 0 0 X 0 0 0
        0 X X O X 0 0
        X O O 4 0 0 0
        0 X X O X 0 0
        0 0 0 X 0 0 0
        0 0 0 0 0 0 0
    """)


def test_liberties_after_move_count_captured_points_edges_and_corners():
    assert show(Board.from_ascii(CAPTURES, BLACK), "liberties_after") == diagram("""
        2 3 3 4 3 3 2
        3 4 5 X 6 4 3
        4 X X O X 5 3
        X O O 4 6 4 3
        4 X X O X 5 3
        3 4 5 X 6 4 3
        2 3 3 4 3 3 2
    """)


def test_self_atari_size_counts_the_chain_left_in_atari():
    assert show(Board.from_ascii(CAPTURES, WHITE), "self_atari_size") == diagram("""
        . . . . . . .
        . . . X . . .
        1 X X O X . .
        X O O 5 . . .
        1 X X O X . .
        . . . X . . .
        . . . . . . .
    """)


ROW_OF_EIGHT = """
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
X X X X X X X X .
O O O O O O O O .
"""


def test_capture_and_self_atari_sizes_are_capped():
    assert at(Board.from_ascii(ROW_OF_EIGHT, BLACK), "capture_size", "J1") == "7"  # 8 stones: ">= 7"
    assert at(Board.from_ascii(ROW_OF_EIGHT, BLACK), "liberties_after", "J1") == "2"
    assert at(Board.from_ascii(ROW_OF_EIGHT, WHITE), "self_atari_size", "J1") == "8"  # 9 stones: ">= 8"


def test_liberties_after_on_an_empty_board():
    assert show(Board(5), "liberties_after") == diagram("""
        2 3 3 3 2
        3 4 4 4 3
        3 4 4 4 3
        3 4 4 4 3
        2 3 3 3 2
    """)


KO = """
. . . . .
. X O . .
X O . O .
. X O . .
. . . . .
"""


def test_ko_recapture_is_not_a_move():
    board = play(Board.from_ascii(KO, BLACK), "B C3")  # takes B3: White may not retake at once
    assert board.check(WHITE, coords.to_flat(coords.from_gtp("B3", 5), 5)) == "ko"
    x = encode(board, "alphago48")
    r, c = coords.from_gtp("B3", 5)
    assert x[AG.index("capture_size").start:47, r, c].sum() == 0
    assert show(board, "capture_size") == diagram("""
        0 0 0 0 0
        0 X O 0 0
        X . X O 0
        0 X O 0 0
        0 0 0 0 0
    """)
    play(board, "W E5", "B E1")  # a ko threat and its answer: now the retake is a move
    assert at(board, "capture_size", "B3") == "1"
    assert at(board, "liberties_after", "B3") == "1"
    assert at(board, "self_atari_size", "B3") == "1"


EYES = """
. X . X O . . . .
X X X X O . . . .
O O O O O . . . .
. . . . . . . . .
. X X X . . X . .
X X . X . X . X .
. X X O . O X O .
. . . X X O . . .
. . . X . X . . .
"""


def test_sensibleness_is_off_on_own_true_eyes_only():
    # A9 (corner) and C9 (edge) are true eyes, C4 one too (one white diagonal in the centre);
    # G4 has two white diagonals and E1 one on the edge: false eyes, so sensible
    assert show(Board.from_ascii(EYES, BLACK), "sensibleness") == diagram("""
        . X . X O 1 1 1 1
        X X X X O 1 1 1 1
        O O O O O 1 1 1 1
        1 1 1 1 1 1 1 1 1
        1 X X X 1 1 X 1 1
        X X . X 1 X 1 X 1
        1 X X O 1 O X O 1
        1 1 1 X X O 1 1 1
        1 1 1 X 1 X 1 1 1
    """)


def test_sensibleness_for_the_opponent_is_legality():
    # White may play in none of Black's eyes, true or false: each would be suicide
    board = Board.from_ascii(EYES, WHITE)
    text = show(board, "sensibleness")
    for vertex in ("A9", "C9", "C4", "G4", "E1"):
        assert at(board, "sensibleness", vertex) == "."
    assert text.count("1") == sum(board.is_legal(WHITE, p) for p in range(81) if board.colors[p] == EMPTY)


# ---------------------------------------------------------------------- ladders
# White's C7 has two liberties.  Black C6 starts a ladder that runs down to the lower right
# edge (D7 E7 D6 D5 E6 F6 E5 E4 F5 G5 F4 F3 G4 H4 G3 G2 H3 J3 H2 H1 J2 J1): it works, unless
# White has a stone on its path (the ladder breaker at G3).
LADDER = """
. . . . . . . . .
. . X X . . . . .
. X O . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
"""


def with_stones(text: str, **stones: str) -> str:
    """The diagram with extra stones, e.g. with_stones(LADDER, O="G3", X="C6 D4")."""
    size = len(text.strip().splitlines())
    rows = [line.split() for line in text.strip().splitlines()]
    for ch, vertices in stones.items():
        for v in vertices.split():
            r, c = coords.from_gtp(v, size)
            rows[size - 1 - r][c] = ch
    return "\n".join(" ".join(row) for row in rows)


@pytest.mark.parametrize("breaker, capture", [
    (None, """
        . . . . . . . . .
        . . X X . . . . .
        . X O . . . . . .
        . . 1 . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
    """),
    ("G3", """
        . . . . . . . . .
        . . X X . . . . .
        . X O . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . O . .
        . . . . . . . . .
        . . . . . . . . .
    """),
    ("H2", """
        . . . . . . . . .
        . . X X . . . . .
        . X O . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . O .
        . . . . . . . . .
    """),
])
def test_ladder_capture_works_unless_a_breaker_is_on_the_path(breaker, capture):
    text = with_stones(LADDER, O=breaker) if breaker else LADDER
    assert show(Board.from_ascii(text, BLACK), "ladder_capture") == diagram(capture)


@pytest.mark.parametrize("breaker, escape", [(None, "."), ("G3", "1"), ("H2", "1"), ("A1", ".")])
def test_ladder_escape_only_where_the_ladder_is_broken(breaker, escape):
    text = with_stones(LADDER, X="C6")  # C7 in atari: White to move
    if breaker:
        text = with_stones(text, O=breaker)
    board = Board.from_ascii(text, WHITE)
    assert at(board, "ladder_escape", "D7") == escape
    assert show(board, "ladder_escape").count("1") == (escape == "1")
    assert at(board, "liberties_after", "D7") == "2"


def test_ladder_escape_with_three_liberties_is_no_ladder():
    board = Board.from_ascii(with_stones(LADDER, X="C6", O="E7"), WHITE)  # D7 joins E7
    assert at(board, "liberties_after", "D7") == "4"
    assert at(board, "ladder_escape", "D7") == "1"


def test_ladder_capture_when_the_atari_stone_can_be_taken_but_the_ladder_still_works():
    # Black A3 is itself in atari, but White's capture at B3 leaves A4 in a working ladder
    # and B4 is no ladder: A4 would extend to A3 with three liberties
    board = Board.from_ascii("""
        X X . . .
        O . X . .
        . . X . .
        O . X . .
        . . X . .
    """, BLACK)
    assert at(board, "liberties_after", "A3") == "1"
    assert show(board, "ladder_capture") == diagram("""
        X X . . .
        O . X . .
        1 . X . .
        O . X . .
        . . X . .
    """)


def test_no_ladder_capture_next_to_a_friendly_stone():
    board = Board.from_ascii(with_stones(LADDER, O="D6"), BLACK)  # C7 would join D6
    assert show(board, "ladder_capture").count("1") == 0


# ---------------------------------------------------------------------- symmetries
def sym_point(p: int, k: int, size: int) -> int:
    return int(features.symmetry_perms(size)[k][p])


@pytest.mark.parametrize("k", range(8))
def test_planes_of_a_transformed_game_are_the_transformed_planes(k, samples):
    rec = next(iter(sgf.read_games([samples / "sgf" / "kgs-sample.tar.gz"])))
    size, t = rec.size, 120
    board, moved = rec.board(), Board(size)
    for colour, points in rec.setup:
        moved.setup(colour, [sym_point(p, k, size) for p in points])
    if rec.setup:
        moved.set_to_move(rec.first_player)
    for colour, p in rec.moves[:t]:
        board.play(colour, p)
        moved.play(colour, None if p is None else sym_point(p, k, size))
    assert np.array_equal(apply_symmetry(encode(board, "alphago48"), k), encode(moved, "alphago48"))


@pytest.mark.parametrize("k", range(8))
def test_labels_and_policies_round_trip(k):
    size = 5
    for p in range(size * size):
        plane = np.zeros((size, size), np.uint8)
        plane[divmod(p, size)] = 1
        moved = np.ascontiguousarray(apply_symmetry(plane, k)).ravel()
        assert moved.argmax() == features.transform_label(p, k, size)
    assert features.transform_label(size * size, k, size) == size * size  # a pass stays a pass
    probs = np.random.default_rng(k).random(size * size)
    seen = np.ascontiguousarray(apply_symmetry(probs.reshape(size, size), k)).ravel()
    assert np.allclose(features.invert_policy(seen, k, size), probs)
    labels = np.arange(size * size + 1)
    assert np.array_equal(features.transform_label(labels, k, size),
                          np.append(features.symmetry_perms(size)[k], size * size))


def test_the_eight_symmetries_are_distinct():
    x = np.arange(16).reshape(4, 4)
    assert len({apply_symmetry(x, k).tobytes() for k in range(8)}) == 8


# ---------------------------------------------------------------------- real games vs Board
def _expected_move_planes(board: Board, me: int, p: int) -> dict[str, int | None]:
    """What the move groups must say at empty point p, worked out by playing it on a copy."""
    if board.check(me, p) is not None:
        return {"capture_size": None, "self_atari_size": None, "liberties_after": None, "sensibleness": None}
    after = board.copy()
    removed = after.play(me, p)
    libs = after.liberties(p)
    return {"capture_size": min(len(removed), 7),
            "self_atari_size": min(len(after.chain_stones(p)), 8) - 1 if libs == 1 else None,
            "liberties_after": min(libs, 8) - 1,
            "sensibleness": None if board.is_eye(p, me) else 0}


def _one_hot(x: np.ndarray, group: str, p: int) -> int | None:
    """The index of the plane of a one-hot group set at flat point p (None: no plane)."""
    g = x[AG.index(group)]
    on = np.flatnonzero(g.reshape(len(g), -1)[:, p])
    assert len(on) <= 1
    return int(on[0]) if len(on) else None


def _differential(rec, every: int) -> int:
    planes, labels, colours = encode_game(rec, "alphago48")
    board = rec.board()
    n = rec.size * rec.size
    last = {}  # point -> ply of the stone there now
    checked, j = 0, 0
    for ply, (colour, point) in enumerate(rec.moves):
        if point is not None:
            x = planes[j]
            assert labels[j] == point and colours[j] == colour
            j += 1
            if ply % every == 0:
                me = colour
                checked += 1
                for p in range(n):
                    v = board.colors[p]
                    r, c = divmod(p, rec.size)
                    assert x[0, r, c] == (v == me) and x[1, r, c] == (v == opponent(me)) and x[2, r, c] == (v == EMPTY)
                    if v != EMPTY:
                        assert _one_hot(x, "liberties", p) == min(board.liberties(p), 8) - 1
                        age = ply - last[p] if p in last else 8
                        assert _one_hot(x, "turns_since", p) == min(age, 8) - 1
                        assert x[20:47, r, c].sum() == 0
                        continue
                    want = _expected_move_planes(board, me, p)
                    for group, value in want.items():
                        assert _one_hot(x, group, p) == value, (rec.source, ply, coords.to_gtp((r, c), rec.size), group)
        removed = board.play(colour, point)
        for s in removed:
            last.pop(s, None)
        if point is not None:
            last[point] = ply
    return checked


def test_planes_agree_with_the_board_on_real_games(samples):
    """Stones, liberties, turns since, legality, capture size, self-atari and liberties after
    at every empty point, against Board.check / Board.copy().play."""
    recs = list(sgf.read_games([samples / "sgf" / "kgs-sample.tar.gz"]))
    handicap = [r for r in recs if r.setup][:1]
    games = [r for r in recs if len(r.moves) >= 150][:3] + handicap
    checked = sum(_differential(r, 2) for r in games)
    assert checked >= 300


@pytest.mark.slow
def test_planes_agree_with_the_board_on_many_real_games(shared_data):
    archive = shared_data / "sgf" / "KGS-2017_01-19-733-.tar.gz"
    if not archive.is_file():
        pytest.skip(f"{archive} is not present")
    recs = list(sgf.read_games([archive]))[:40]
    assert sum(_differential(r, 2) for r in recs) > 4000


def test_the_event_cache_follows_copies_undo_and_replay(samples):
    """encode() keeps the history's event arrays on the board (board_events) and extends them:
    planes of a board that was copied, played on, undone and replayed equal those of a fresh
    board that replayed the same history."""
    rec = next(r for r in sgf.read_games([samples / "sgf" / "kgs-sample.tar.gz"]) if r.setup)
    board = rec.board()

    def fresh_planes(b: Board) -> np.ndarray:
        other = Board(b.size, komi=b.komi)
        other.replay(b.history)
        return encode(other, "alphago48")

    checked = 0
    for i, (color, point) in enumerate(rec.moves[:120]):
        board.play(color, point)
        if i % 10 == 0:
            branch = board.copy()
            assert np.array_equal(encode(branch, "alphago48"), fresh_planes(branch))
            branch.play(branch.to_move, None)
            assert np.array_equal(encode(branch, "alphago48"), fresh_planes(branch))
            branch.undo()
            branch.undo()
            move = next(p for p in branch.legal_moves() if p != point)
            branch.play(branch.to_move, move)  # the same length of history, a different move
            assert np.array_equal(encode(branch, "alphago48"), fresh_planes(branch))
            assert np.array_equal(encode(board, "alphago48"), fresh_planes(board))
            checked += 1
    assert checked == len(range(0, min(120, len(rec.moves)), 10)) >= 5


def test_a_game_with_handicap_and_passes_encodes_consistently(samples):
    for rec in list(sgf.read_games([samples / "sgf" / "kgs-sample.tar.gz"]))[:20]:
        planes, labels, colours = encode_game(rec, "basic20")
        full, _, _ = encode_game(rec, "alphago48")
        assert np.array_equal(planes, full[:, :20])
        assert len(planes) == sum(1 for _, p in rec.moves if p is not None)
        passes, _, _ = encode_game(rec, "basic12", include_passes=True)
        assert len(passes) == len(rec.moves)


# ---------------------------------------------------------------------- GNU Go as ladder referee
from gtp_client import COLOR, Gtp  # noqa: E402  (tests/ is on sys.path)


def ladder_referee(gnugo: str, recs, every: int) -> dict:
    """Compare the ladder planes with GNU Go on real positions.

    Capture: for each opponent chain with two liberties, neither of which touches another such
    chain (so the plane at a liberty speaks of this chain alone), GNU Go's ``ladder_attack``
    (a strict ladder reader) against "our plane is set at one of its liberties".  Escape: for
    each liberty of an own chain in atari, GNU Go plays it and reads ``ladder_attack`` on the
    chain (three or more liberties: escaped; one: not) against our escape plane there.
    GNU Go's ko results (codes 2 and 3) are left out."""
    tally = {"capture": [0, 0], "escape": [0, 0], "disagree": []}
    engine = Gtp([gnugo, "--mode", "gtp"])
    try:
        for rec in recs:
            size = rec.size
            planes, _, _ = encode_game(rec, "alphago48")
            engine.send(f"boardsize {size}")
            engine.send("clear_board")
            board = rec.board()
            for colour, points in rec.setup:
                for p in points:
                    if colour != EMPTY:
                        engine.send(f"play {COLOR[colour]} {coords.to_gtp(coords.from_flat(p, size), size)}")
            j = 0
            for ply, (me, point) in enumerate(rec.moves):
                if point is not None:
                    x = planes[j]
                    j += 1
                    if ply % every == 0:
                        _referee_position(engine, board, me, x, tally, rec.source, ply)
                board.play(me, point)
                engine.send(f"play {COLOR[me]} {coords.to_gtp(None if point is None else coords.from_flat(point, size), size)}")
    finally:
        engine.close()
    return tally


def _referee_position(engine, board: Board, me: int, x: np.ndarray, tally: dict, source: str, ply: int):
    size = board.size
    vtx = lambda p: coords.to_gtp(coords.from_flat(p, size), size)  # noqa: E731
    opp = opponent(me)
    seen = set()
    two = {}  # chain id (min stone) -> liberties, for opponent chains with two liberties
    for p in range(size * size):
        if board.colors[p] == opp and p not in seen:
            stones = board.chain_stones(p)
            seen.update(stones)
            libs = board.chain_liberties(p)
            if len(libs) == 2:
                two[min(stones)] = libs
    chain_of = {s: chain for chain in two for s in board.chain_stones(chain)}
    for chain, libs in two.items():
        if any(chain_of.get(q, chain) != chain for lib in libs for q in board._nb[lib]):
            continue  # a liberty next to another such chain: the plane there is ambiguous
        reply = engine.send(f"ladder_attack {vtx(chain)}").split()
        if reply[0] not in ("0", "1"):
            continue  # a ko
        ours = any(x[44][divmod(lib, size)] for lib in libs)
        theirs = reply[0] == "1"
        if theirs and ours:
            r, c = coords.from_gtp(reply[1], size)
            ours = bool(x[44, r, c])  # the very move GNU Go found
        tally["capture"][0] += 1
        tally["capture"][1] += ours == theirs
        if ours != theirs:
            tally["disagree"].append((source, ply, "capture", vtx(chain), theirs))
    # escapes
    done = set()
    for p in range(size * size):
        if board.colors[p] != me or p in done:
            continue
        stones = board.chain_stones(p)
        done.update(stones)
        libs = board.chain_liberties(p)
        if len(libs) != 1:
            continue
        (lib,) = libs
        if board.check(me, lib) is not None:
            continue
        after = board.copy()
        after.play(me, lib)
        n = after.liberties(lib)
        if n == 1:
            theirs = False
        elif n >= 3:
            theirs = True
        else:
            engine.send(f"play {COLOR[me]} {vtx(lib)}")
            try:
                reply = engine.send(f"ladder_attack {vtx(lib)}").split()
            finally:
                engine.send("undo")
            if reply[0] not in ("0", "1"):
                continue
            theirs = reply[0] == "0"
        ours = bool(x[45][divmod(lib, size)])
        tally["escape"][0] += 1
        tally["escape"][1] += ours == theirs
        if ours != theirs:
            tally["disagree"].append((source, ply, "escape", vtx(lib), theirs))


@pytest.mark.gnugo
def test_ladder_planes_agree_with_gnugo(gnugo, samples):
    recs = list(sgf.read_games([samples / "sgf"]))[:8]
    tally = ladder_referee(gnugo, recs, every=2)
    (n_cap, ok_cap), (n_esc, ok_esc) = tally["capture"], tally["escape"]
    assert n_cap >= 200 and n_esc >= 20
    assert ok_cap / n_cap >= 0.97 and ok_esc / n_esc >= 0.95, tally["disagree"][:10]


@pytest.mark.gnugo
def test_hand_built_ladders_agree_with_gnugo(gnugo):
    engine = Gtp([gnugo, "--mode", "gtp"])
    try:
        for breaker, works in ((None, True), ("G3", False), ("H2", False)):
            engine.send("boardsize 9")
            engine.send("clear_board")
            for v in ("C8", "D8", "B7"):
                engine.send(f"play black {v}")
            engine.send("play white C7")
            if breaker:
                engine.send(f"play white {breaker}")
            reply = engine.send("ladder_attack C7").split()
            assert (reply[0] == "1") == works and (not works or reply[1] == "C6")
    finally:
        engine.close()
