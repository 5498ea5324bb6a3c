"""``gocnn bench replay``: moves/s replaying real games on gocnn's Board (which keeps chains and
liberties up to date) against sgfmill's ``boards.Board`` on the same games; also parse + replay
for both (a ``sets`` entry).  Both run in turn, the best of a few rounds each, and the final
positions are checked to agree."""

from __future__ import annotations

from gocnn.bench.harness import BenchResult, Figure, Spec, measure
from gocnn.bench.sources import games_to_measure

SPEC = Spec(games=2000, seconds=20.0, threaded=False, data=True)
# A fixed subset of the shared archives: pro, KGS (with handicap games), Tom and Tygem games.
SHARED_ARCHIVES = ("aeb-pro-games.tar.gz", "KGS-2015-19-8133-.tar.gz",
                   "tom-9d-2008.tar.gz", "tygem-9d-2016-07.tar.gz")
ROUNDS = 5


def sgfmill_games(files: list[bytes]) -> list[tuple[int, tuple, list]]:
    """Parse with sgfmill: (size, (AB, AW, AE) as (row, col) lists, [(colour 'b'/'w', (row, col) or None)])."""
    from sgfmill import sgf as sgfmill_sgf
    games = []
    for data in files:
        try:
            game = sgfmill_sgf.Sgf_game.from_bytes(data)
            setup = game.get_root().get_setup_stones()
            moves = [m for m in (node.get_move() for node in game.get_main_sequence()[1:]) if m[0]]
        except ValueError:
            continue
        games.append((game.get_size(), setup, moves))
    return games


def _our_board(size, ab, aw):
    from gocnn.go.board import BLACK, WHITE, Board
    b = Board(size)
    if ab:
        b.setup(BLACK, [r * size + c for r, c in ab])
    if aw:
        b.setup(WHITE, [r * size + c for r, c in aw])
    return b


def replay_ours(games) -> int:
    from gocnn.go.board import BLACK, WHITE
    n = 0
    for size, (ab, aw, _ae), moves in games:
        play = _our_board(size, ab, aw).play
        for colour, move in moves:
            play(BLACK if colour == "b" else WHITE, None if move is None else move[0] * size + move[1])
        n += len(moves)
    return n


def replay_sgfmill(games) -> int:
    from sgfmill import boards
    n = 0
    for size, (ab, aw, ae), moves in games:
        b = boards.Board(size)
        if ab or aw or ae:
            b.apply_setup(ab, aw, ae)
        play = b.play
        for colour, move in moves:
            if move is not None:
                play(move[0], move[1], colour)
        n += len(moves)
    return n


def parse_replay_ours(files: list[bytes]) -> int:
    """gocnn.go.sgf's parse and legal replay; records are dropped as they come, as the peer's are."""
    from gocnn.go import sgf
    n = 0
    for data in files:
        try:
            n += sum(len(r.moves) for r in sgf.parse_games(data) if not isinstance(r, sgf.SgfError))
        except sgf.SgfError:
            pass
    return n


def parse_replay_sgfmill(files: list[bytes]) -> int:
    """sgfmill's own parse and replay (``sgf_moves``, ``boards.Board.play``): the yardstick of
    the features bench too."""
    from sgfmill import sgf as sgfmill_sgf, sgf_moves
    n = 0
    for data in files:
        try:
            game = sgfmill_sgf.Sgf_game.from_bytes(data)
            board, plays = sgf_moves.get_setup_and_moves(game)
        except ValueError:
            continue
        for colour, move in plays:
            if move is not None:
                board.play(move[0], move[1], colour)
        n += len(plays)
    return n


def final_position_mismatches(games) -> int:
    """How many games end on a different position in ours and in sgfmill's board (should be 0)."""
    from gocnn.go.board import BLACK, WHITE
    from sgfmill import boards
    bad = 0
    for size, (ab, aw, ae), moves in games:
        ours, peer = _our_board(size, ab, aw), boards.Board(size)
        if ab or aw or ae:
            peer.apply_setup(ab, aw, ae)
        for colour, move in moves:
            ours.play(BLACK if colour == "b" else WHITE, None if move is None else move[0] * size + move[1])
            if move is not None:
                peer.play(move[0], move[1], colour)
        theirs = {r * size + c: BLACK if col == "b" else WHITE for col, (r, c) in peer.list_occupied_points()}
        bad += {p: v for p, v in enumerate(ours.colors) if v} != theirs
    return bad


def run(opts) -> BenchResult:
    sources, files, games = games_to_measure(opts.data, SHARED_ARCHIVES, opts.games, sgfmill_games)
    moves = sum(len(m) for _, _, m in games)
    mismatches = final_position_mismatches(games)
    board = measure({"ours": lambda: replay_ours(games), "peer": lambda: replay_sgfmill(games)},
                    seconds=opts.seconds * 0.6, rounds=ROUNDS)
    parse = measure({"ours": lambda: parse_replay_ours(files), "peer": lambda: parse_replay_sgfmill(files)},
                    seconds=opts.seconds * 0.4, rounds=2)
    rate, peer_rate = board["ours"].rate("best"), board["peer"].rate("best")
    pr = Figure(parse["ours"].rate("best"), parse["peer"].rate("best"), "moves/s", "sgfmill.sgf + sgfmill.boards")
    return BenchResult(
        "replay", rate, "moves/s", "sgfmill.boards.Board", peer_rate, sets={"parse_replay": pr},
        extra={"games": len(games), "moves": moves, "final_position_mismatches": mismatches,
               "data": [str(s) for s in sources]},
        lines=[f"replay: {len(games)} games, {moves} moves ({', '.join(s.name for s in sources)})",
               f"  gocnn Board          {rate:12,.0f} moves/s",
               f"  sgfmill boards.Board {peer_rate:12,.0f} moves/s",
               f"  ratio                {rate / peer_rate:12.2f}x",
               f"parse + replay: gocnn.go.sgf {pr.rate:,.0f} moves/s, sgfmill {pr.peer_rate:,.0f} moves/s "
               f"({pr.ratio:.2f}x)",
               f"final positions differing from sgfmill: {mismatches}"])
