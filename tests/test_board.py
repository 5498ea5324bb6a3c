"""Rules, written as positions: ASCII diagrams (top row first), GTP moves."""

import itertools

import pytest

from gocnn.go import coords, sgf
from gocnn.go.board import BLACK, EMPTY, WHITE, Board, IllegalMove, handicap_points, to_ascii


def play(board: Board, *moves: str) -> list[str]:
    """Play ``"B D4"``, ``"W pass"`` ...; return the captured points of the last move as GTP."""
    captured = []
    for text in moves:
        color, vertex = text.split()
        move = coords.from_gtp(vertex, board.size)
        captured = board.play(BLACK if color == "B" else WHITE, None if move is None else coords.to_flat(move, board.size))
    return sorted(coords.to_gtp(coords.from_flat(p, board.size), board.size) for p in captured)


def reason(board: Board, text: str) -> str | None:
    color, vertex = text.split()
    return board.check(BLACK if color == "B" else WHITE, coords.to_flat(coords.from_gtp(vertex, board.size), board.size))


def at(board: Board, vertex: str) -> int:
    return board.colors[coords.to_flat(coords.from_gtp(vertex, board.size), board.size)]


def assert_same(board: Board, diagram: str) -> None:
    assert to_ascii(board) == to_ascii(Board.from_ascii(diagram)), "\n" + to_ascii(board)


def assert_consistent(board: Board) -> None:
    """The incremental chains equal a fresh flood fill of the same stones."""
    fresh = Board(board.size)
    fresh.colors = list(board.colors)
    fresh._rebuild_chains()
    for p, v in enumerate(board.colors):
        if v != EMPTY:
            assert board.chain_liberties(p) == fresh.chain_liberties(p), p
            assert sorted(board.chain_stones(p)) == sorted(fresh.chain_stones(p)), p
    assert board.hash == fresh.hash


# ---------------------------------------------------------------------- captures
CAPTURES = [
    # (name, diagram, move, captured, position after)
    ("single stone", """
        . . . . .
        . . X . .
        . X O . .
        . . X . .
        . . . . .""", "B D3", ["C3"], """
        . . . . .
        . . X . .
        . X . X .
        . . X . .
        . . . . ."""),
    ("corner", """
        O X . . .
        . . . . .
        . . . . .
        . . . . .
        . . . . .""", "B A4", ["A5"], """
        . X . . .
        X . . . .
        . . . . .
        . . . . .
        . . . . ."""),
    ("edge, three stones", """
        . . . . .
        . . . . .
        . X X X .
        X O O O .
        . X X X .""", "B E2", ["B2", "C2", "D2"], """
        . . . . .
        . . . . .
        . X X X .
        X . . . X
        . X X X ."""),
    ("two chains at once", """
        . X O X .
        . X O X .
        X O . O X
        . X O X .
        . . X . .""", "B C3", ["B3", "C2", "C4", "C5", "D3"], """
        . X . X .
        . X . X .
        X . X . X
        . X . X .
        . . X . ."""),
    ("capture instead of suicide", """
        . X O . .
        X O . . .
        O . . . .
        . . . . .
        . . . . .""", "W A5", ["A4", "B5"], """
        O . O . .
        . O . . .
        O . . . .
        . . . . .
        . . . . ."""),
]


@pytest.mark.parametrize("name, before, move, captured, after", CAPTURES, ids=[c[0] for c in CAPTURES])
def test_captures(name, before, move, captured, after):
    board = Board.from_ascii(before)
    color = BLACK if move[0] == "B" else WHITE
    assert play(board, move) == captured
    assert_same(board, after)
    assert board.captures[color] == len(captured)
    assert_consistent(board)


def test_the_big_corner_group_dies_when_the_last_liberty_goes():
    board = Board.from_ascii("""
        O O O X .
        O O O X .
        O O X . .
        . X . . .
        X X . . .""")
    assert play(board, "B A2") == ["A3", "A4", "A5", "B3", "B4", "B5", "C4", "C5"]
    assert board.captures[BLACK] == 8
    assert_consistent(board)


def test_snapback():
    board = Board.from_ascii("""
        . . . . .
        . . . . .
        X X . . .
        O O X . .
        . . X . .""")
    assert play(board, "B A1") == []      # the throw-in
    assert play(board, "W B1") == ["A1"]  # White takes one stone ...
    assert board.ko == -1
    assert play(board, "B A1") == ["A2", "B1", "B2"]  # ... and Black takes three back
    assert_consistent(board)


# ---------------------------------------------------------------------- suicide
@pytest.mark.parametrize("diagram, move", [
    ("""
        . X . .
        X . . .
        . . . .
        . . . .""", "W A4"),
    ("""
        . O X .
        O O X .
        X X . .
        . . . .""", "W A4"),   # four stones with one liberty fill it
    ("""
        O O X .
        . O X .
        O O X .
        X X X .""", "W A3"),   # filling the last liberty of its own six stones
])
def test_suicide_is_illegal_and_says_so(diagram, move):
    board = Board.from_ascii(diagram)
    before = list(board.colors)
    assert reason(board, move) == "suicide"
    with pytest.raises(IllegalMove) as err:
        play(board, move)
    assert err.value.reason == "suicide"
    assert board.colors == before and board.history[-1][0] != "move"
    assert coords.from_gtp(move.split()[1], board.size) not in [coords.from_flat(p, board.size) for p in board.legal_moves(BLACK if move[0] == "B" else WHITE)]


def test_occupied_and_off_board():
    board = Board(9)
    play(board, "B E5")
    assert reason(board, "W E5") == "occupied"
    with pytest.raises(IllegalMove) as err:
        board.play(WHITE, 81)
    assert err.value.reason == "off board"
    assert board.check(WHITE, -1) == "off board"


# ---------------------------------------------------------------------- ko
KO = """
    . . . . .
    . X O . .
    X O . O .
    . X O . .
    . . . . ."""


def test_simple_ko():
    board = Board.from_ascii(KO)
    assert play(board, "B C3") == ["B3"]
    assert reason(board, "W B3") == "ko"
    assert board.ko == coords.to_flat(coords.from_gtp("B3", 5), 5)
    with pytest.raises(IllegalMove, match="ko"):
        play(board, "W B3")
    play(board, "W E1", "B E5")  # a ko threat and its answer
    assert reason(board, "W B3") is None
    assert play(board, "W B3") == ["C3"]
    assert reason(board, "B C3") == "ko"


def test_a_pass_ends_the_ko_ban_under_simple_ko_but_not_under_superko():
    for superko, expected in ((False, None), (True, "superko")):
        board = Board.from_ascii(KO, superko=superko)
        play(board, "B C3", "W pass", "B pass")
        assert reason(board, "W B3") == expected  # the retake would repeat the position of 3 moves ago


def test_no_ko_when_the_capturing_stone_has_two_liberties():
    board = Board.from_ascii("""
        . . . . .
        . X O . .
        X O . . .
        . X O . .
        . . . . .""")
    assert play(board, "B C3") == ["B3"]
    assert board.ko == -1
    assert reason(board, "W B3") == "suicide"


def test_superko_forbids_a_repeated_whole_board_position():
    # With one ko on the board, B takes, both pass, W retakes: the position repeats.
    board = Board.from_ascii(KO, superko=True)
    play(board, "B C3", "W pass", "B pass")
    assert board.repeats_position(WHITE, coords.to_flat(coords.from_gtp("B3", 5), 5))
    with pytest.raises(IllegalMove) as err:
        play(board, "W B3")
    assert err.value.reason == "superko"
    assert "W B3" and coords.to_flat(coords.from_gtp("B3", 5), 5) not in board.legal_moves(WHITE)


# ---------------------------------------------------------------------- setup, handicap, passes
def test_handicap_setup():
    board = Board(19)
    points = board.place_handicap(4)
    assert sorted(coords.to_gtp(coords.from_flat(p, 19), 19) for p in points) == ["D16", "D4", "Q16", "Q4"]
    assert board.to_move == WHITE and board.moves == []
    assert [coords.to_gtp(coords.from_flat(p, 19), 19) for p in handicap_points(19, 9)] == \
        ["D4", "Q16", "D16", "Q4", "K10", "D10", "Q10", "K4", "K16"]
    with pytest.raises(ValueError):
        handicap_points(19, 10)
    with pytest.raises(ValueError):
        handicap_points(8, 5)  # even sizes have no centre point


def test_setup_removes_chains_without_liberties_and_ae_clears():
    board = Board.from_ascii("""
        . O . .
        O . . .
        . . . .
        . . . .""")
    board.setup(BLACK, [coords.to_flat(coords.from_gtp("A4", 4), 4)])
    assert at(board, "A4") == EMPTY  # placed with no liberty: taken off, as SGF readers do
    board.setup(EMPTY, [coords.to_flat(coords.from_gtp("B4", 4), 4)])
    assert at(board, "B4") == EMPTY and at(board, "A3") == WHITE
    assert_consistent(board)


def test_passes_and_to_move():
    board = Board(9)
    play(board, "B pass", "W pass")
    assert board.passes == 2 and board.to_move == BLACK and board.moves == [(BLACK, None), (WHITE, None)]
    play(board, "B E5")
    assert board.passes == 0


# ---------------------------------------------------------------------- undo, copy, legal moves
def test_undo_walks_back_a_real_game(samples):
    rec = next(r for r in sgf.read_games([samples / "sgf"]) if r.handicap >= 2)
    board = rec.board()
    snapshots = [(list(board.colors), board.to_move, board.ko, dict(board.captures))]
    for color, point in rec.moves:
        board.play(color, point)
        snapshots.append((list(board.colors), board.to_move, board.ko, dict(board.captures)))
    for snap in reversed(snapshots[:-1]):
        assert board.undo()
        assert (list(board.colors), board.to_move, board.ko, dict(board.captures)) == snap
    assert_consistent(board)
    assert board.undo()  # the handicap setup goes too
    while board.undo():
        pass
    assert board.colors == [EMPTY] * 361 and board.history == []


def test_undo_restores_the_ko_ban():
    board = Board.from_ascii(KO)
    play(board, "B C3", "W E1")
    board.undo()
    assert board.to_move == WHITE and reason(board, "W B3") == "ko"


def test_copy_is_independent():
    board = Board.from_ascii(KO)
    other = board.copy()
    play(other, "B C3")
    assert at(board, "B3") == WHITE and at(other, "B3") == EMPTY
    assert_consistent(board)
    assert_consistent(other)


def test_copies_share_chains_until_either_changes_them(samples):
    """Board.copy shares chains copy-on-write: a tree of copies (each branch playing on from a
    copy of the real game, with captures on both sides) leaves every board - the original and
    each copy - equal to a fresh flood fill of its own stones, and equal to a board that
    replayed its history from scratch."""
    games = [r for r in sgf.read_games([samples / "sgf" / "kgs-sample.tar.gz"]) if len(r.moves) >= 150][:3]
    checked = 0
    for rec in games:
        board = rec.board()
        copies = []
        for i, (color, point) in enumerate(rec.moves):
            if i % 30 == 10:
                copies.append(board.copy())
            board.play(color, point)
            for other in copies:  # the copies play the game's next moves too, then diverge
                if other.is_legal(color, point) and len(other.history) < len(board.history) + 20:
                    other.play(color, point)
                else:
                    other.play(other.to_move, next((p for p in other.legal_moves() if not other.is_eye(p, other.to_move)), None))
        for b in [board] + copies:
            assert_consistent(b)
            fresh = Board(b.size, komi=b.komi)
            fresh.replay(b.history)
            assert fresh.colors == b.colors and fresh.captures == b.captures and fresh.ko == b.ko
            checked += 1
    assert checked >= 12 and any(b.captures[BLACK] + b.captures[WHITE] for b in copies)


def test_legal_moves_agree_with_check_on_real_positions(samples):
    rec = next(iter(sgf.read_games([samples / "sgf"])))
    board = rec.board()
    for i, (color, point) in enumerate(rec.moves):
        if i % 25 == 0:
            for who in (BLACK, WHITE):
                legal = set(board.legal_moves(who))
                assert legal == {p for p in range(361) if board.check(who, p) is None}
                assert all(board.colors[p] == EMPTY for p in legal)
        board.play(color, point)
    assert_consistent(board)


@pytest.mark.parametrize("diagram, vertex, expected", [
    ("""
        . X . . .
        X X . . .
        . . . . .
        . . . . .
        . . . . .""", "A5", True),    # corner: no opponent diagonal allowed ...
    ("""
        . X . . .
        X O . . .
        . . . . .
        . . . . .
        . . . . .""", "A5", False),   # ... and here is one
    ("""
        . . . . .
        . O X . .
        . X . X .
        . . X . .
        . . . . .""", "C3", True),    # centre: one opponent diagonal is fine ...
    ("""
        . . . . .
        . O X O .
        . X . X .
        . . X . .
        . . . . .""", "C3", False),   # ... two are not
    ("""
        . . . . .
        . . X . .
        . X . . .
        . . X . .
        . . . . .""", "C3", False),   # not surrounded
])
def test_is_eye(diagram, vertex, expected):
    board = Board.from_ascii(diagram)
    assert board.is_eye(coords.to_flat(coords.from_gtp(vertex, 5), 5), BLACK) is expected


# ---------------------------------------------------------------------- scoring
def test_area_scoring_counts_stones_territory_and_no_dame():
    board = Board.from_ascii("""
        . X O . .
        X X O . .
        . X O O O
        X X O . O
        . X O . O""", komi=0.5)
    black, white, owner = board.area()
    assert (black, white) == (10, 15)
    assert board.score().result == "W+5.5"
    assert board.score().margin == -5.5


def test_area_scoring_with_dead_stones_and_dame():
    board = Board.from_ascii("""
        . X O . .
        X X O . X
        . X . O .
        X X O . .
        . X O . .""", komi=7.5)
    e4 = coords.to_flat(coords.from_gtp("E4", 5), 5)
    black, white, owner = board.area()
    assert owner[coords.to_flat(coords.from_gtp("C3", 5), 5)] == EMPTY  # dame
    black, white, owner = board.area({e4})
    assert (black, white) == (10, 14) and owner[e4] == WHITE


def test_seki_liberties_are_nobodys():
    board = Board.from_ascii("""
        . O X . X
        O O X X X
        X X . . .
        . . . . .
        . . . . .""")
    _, _, owner = board.area()
    assert owner[coords.to_flat(coords.from_gtp("A5", 5), 5)] == WHITE
    assert owner[coords.to_flat(coords.from_gtp("D5", 5), 5)] == BLACK


def test_from_ascii_reads_its_own_output_and_rejects_junk():
    board = Board.from_ascii(KO)
    assert Board.from_ascii(to_ascii(board)).colors == board.colors
    with pytest.raises(ValueError):
        Board.from_ascii(". . .\n. . .")
    with pytest.raises(ValueError):
        Board.from_ascii("..\n.Z")


@pytest.mark.parametrize("size", [2, 3, 7, 19, 25])
def test_every_size_plays(size):
    board = Board(size)
    for p in itertools.islice(itertools.cycle(range(size * size)), 4 * size * size):
        color = board.to_move
        if board.check(color, p) is None:
            board.play(color, p)
        else:
            board.play(color, None)
    assert_consistent(board)


def test_sgfmill_board_agrees_on_every_sample_game(samples):
    """sgfmill's boards.Board as a second oracle, after every move of every sample game."""
    from sgfmill import boards
    games = moves = 0
    for rec in sgf.read_games([samples / "sgf"]):
        size = rec.size
        ours, theirs = rec.board(), boards.Board(size)
        for color, pts in rec.setup:
            theirs.apply_setup([coords.from_flat(p, size) for p in pts] if color == BLACK else [],
                               [coords.from_flat(p, size) for p in pts] if color == WHITE else [],
                               [coords.from_flat(p, size) for p in pts] if color == EMPTY else [])
        for color, point in rec.moves:
            ours.play(color, point)
            if point is not None:
                theirs.play(*coords.from_flat(point, size), "b" if color == BLACK else "w")
            mine = {coords.from_flat(p, size): v for p, v in enumerate(ours.colors) if v}
            assert mine == {m: BLACK if c == "b" else WHITE for c, m in theirs.list_occupied_points()}, rec.source
            moves += 1
        assert_consistent(ours)
        games += 1
    assert games >= 200 and moves > 40000
