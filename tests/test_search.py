"""The tree search: what it reads out on hand-made positions, its bookkeeping, tree reuse, the
time manager, and the search player on the shipped net.

Positions are ASCII boards (X Black, O White, row 9 on top); most tests judge positions with
:class:`search_fakes.MaterialEvaluator`, a stand-in that knows only the rules, so what the
search finds it found by reading."""

from __future__ import annotations

import numpy as np
import pytest

from gocnn.go import coords
from gocnn.go.board import BLACK, WHITE, Board
from gocnn.play.clock import TimeControl, move_budget
from gocnn.play.players import SearchPlayer
from gocnn.play.search import PASS, Search, SearchConfig

from search_fakes import MaterialEvaluator


def gtp(board: Board, move) -> str:
    return "pass" if move is None else coords.to_gtp(coords.from_flat(move, board.size), board.size)


def best(search: Search, board: Board) -> str:
    return gtp(board, search.infos()[0].move)


# Black's D4 has one liberty left (D3); any other move lets White take it.
SAVE = """
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . O . . . . .
. . O X O . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
"""

# White's three stones E5 E4 E3 have one liberty (E2): Black takes them.
CAPTURE = """
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . X . . . .
. . . X O X . . .
. . . X O X . . .
. . . X O X . . .
. . . . . . . . .
. . . . . . . . .
"""

@pytest.mark.parametrize("pipeline", [False, True])
@pytest.mark.parametrize("diagram, answer", [(SAVE, "D3"), (CAPTURE, "E2")])
def test_search_finds_the_only_move(diagram, answer, pipeline):
    board = Board.from_ascii(diagram, to_move=BLACK, komi=0)
    search = Search(MaterialEvaluator(tactical=True), SearchConfig(visits=300, batch=4, pipeline=pipeline))
    search.run(board)
    assert best(search, board) == answer
    top = search.infos()[0]
    assert top.visits > 3 * search.infos()[1].visits  # not a coin toss


@pytest.mark.parametrize("pipeline", [False, True])
def test_visit_counts_add_up(pipeline):
    board = Board.from_ascii(SAVE, to_move=BLACK, komi=0)
    search = Search(MaterialEvaluator(), SearchConfig(visits=200, batch=8, pipeline=pipeline))
    root = search.run(board)
    assert root.visits == 200 == sum(m.visits for m in search.infos())

    def check(node):
        for i, child in enumerate(node.children):
            if child is None:
                assert node.N[i] == 0 or node.prior[i] == 0
                continue
            if child.expanded:  # its first visit evaluated it; every later one went below
                assert child.visits == node.N[i] - 1, (i, child.visits, node.N[i])
                check(child)
    check(root)
    assert np.all(root.W <= root.N + 1e-9) and np.all(root.W >= 0)


def test_every_move_gets_a_searched_score():
    """With an ownership map at the leaves, each visit also backs up the leaf's score lead:
    taking White's three stones (E2) is worth about 4 points more than passing, the root's
    lead is the mean over every visit, and a net without ownership reports no score."""
    board = Board.from_ascii(CAPTURE, to_move=BLACK, komi=0.5)
    search = Search(MaterialEvaluator(tactical=True, ownership=True), SearchConfig(visits=300, batch=4, mix=0))
    root = search.run(board)
    assert root.C.sum() == root.visits == 300  # every visit brought a score
    lead = {gtp(board, m.move): m.score_lead for m in search.infos()}
    margin = 13 - 3 - 0.5  # Black's stones less White's, less komi, as the board stands
    assert lead["E2"] >= margin + 3.5  # 3 stones off the board, one placed, whatever follows
    if "pass" in lead:
        assert lead["pass"] < lead["E2"]
    infos = search.infos()
    mean = sum(m.score_lead * m.visits for m in infos) / sum(m.visits for m in infos)
    assert search.root_lead() == pytest.approx(mean)
    plain = Search(MaterialEvaluator(tactical=True), SearchConfig(visits=50, batch=4, mix=0))
    plain.run(board)
    assert all(m.score_lead is None for m in plain.infos()) and plain.root_lead() is None


def test_the_same_seed_gives_the_same_search():
    board = Board.from_ascii(CAPTURE, to_move=BLACK, komi=0)
    runs = []
    for _ in range(2):
        search = Search(MaterialEvaluator(), SearchConfig(visits=150, batch=4, seed=7, dirichlet=0.3))
        root = search.run(board)
        runs.append((root.N.copy(), root.W.copy()))
    assert np.array_equal(runs[0][0], runs[1][0]) and np.allclose(runs[0][1], runs[1][1])


class _Slow(MaterialEvaluator):
    """Takes a random while over each batch, as a loaded machine would."""

    def __init__(self, seed: int):
        super().__init__(tactical=True)
        self.rng = np.random.default_rng(seed)

    def evaluate(self, boards, masks=None):
        import time
        time.sleep(float(self.rng.uniform(0, 0.004)))
        return super().evaluate(boards, masks)


def test_the_pipelined_search_does_not_depend_on_timing():
    """The pipeline (the net judging one batch on its worker thread while the tree is walked
    for the next) walks and backs up in a fixed order: however long the evaluator takes, the
    same seed gives the same tree, and every visit is counted once."""
    board = Board.from_ascii(CAPTURE, to_move=BLACK, komi=0)
    runs = []
    for seed in (1, 2):
        evaluator = _Slow(seed)
        search = Search(evaluator, SearchConfig(visits=160, batch=8, seed=5, pipeline=True))
        root = search.run(board)
        runs.append((root.N.copy(), root.W.copy()))
        assert root.visits == 160 and evaluator.calls == search.evals
    assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])


def test_the_thread_plan():
    from gocnn.play.search import thread_plan
    assert thread_plan(1, 0.5) == (1, False)  # one thread: the net, then the tree, in turn
    assert thread_plan(2, 0.5) == (1, True)  # the net on one, the tree and playouts on the other
    assert thread_plan(4, 0.5) == (3, True)
    assert thread_plan(2, 0.0) == (2, False)  # nothing to put beside the net: both to it
    assert thread_plan(1, 0.5, "cuda") == (1, True)  # the tree beside the GPU


def test_a_search_out_of_time_still_makes_one_batch():
    """A search whose time is gone before it starts (a first genmove that waited for the net to
    load) still walks one batch, so the move comes from the tree - never a pass for want of a
    visit; a stop() from outside ends it at once."""
    board = Board.from_ascii(SAVE, to_move=BLACK, komi=0)
    search = Search(MaterialEvaluator(tactical=True), SearchConfig(visits=300, batch=4))
    root = search.run(board, seconds=1e-9)
    assert 1 <= root.visits <= 4 and search.infos()[0].move is not None
    stopped = Search(MaterialEvaluator(), SearchConfig(visits=300, batch=4)).run(board, stop=lambda: True)
    assert stopped.visits == 0
    player = SearchPlayer(evaluator=MaterialEvaluator(tactical=True), visits=300)
    decision = player.decide(board, stop=lambda: True)  # no visit: the policy's move, by the play rules
    assert player.last_analysis.visits == 0
    assert decision.move is not None and board.check(BLACK, decision.move) is None


def test_tree_reuse_keeps_the_chosen_subtree():
    board = Board.from_ascii(SAVE, to_move=BLACK, komi=0)
    search = Search(MaterialEvaluator(tactical=True), SearchConfig(visits=300, batch=4))
    root = search.run(board)
    i = int(np.argmax(root.N))
    child = root.children[i]
    kept = child.visits
    assert kept > 0
    board.play(BLACK, int(root.moves[i]))
    assert search.set_position(board) is child  # the same node, with its visits
    assert search.root.visits == kept
    # a position the tree never saw starts afresh
    other = Board.from_ascii(CAPTURE, to_move=BLACK, komi=0)
    assert search.set_position(other).visits == 0


def test_a_ko_recapture_is_pruned_not_played():
    board = Board.from_ascii("""
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . X O . . . .
        . . X O . O . . .
        . . . X O . . . .
        . . . . . . . . .
        . . . . . . . . .
        . . . . . . . . .
    """, to_move=BLACK, komi=0)
    board.play(BLACK, coords.to_flat(coords.from_gtp("E5", 9), 9))  # takes D5: a ko
    d5 = coords.to_flat(coords.from_gtp("D5", 9), 9)
    assert board.check(WHITE, d5) is not None  # White may not retake at once
    search = Search(MaterialEvaluator(tactical=True), SearchConfig(visits=300, batch=4))
    root = search.run(board)
    i = int(np.flatnonzero(root.moves == d5)[0])
    assert root.N[i] == 0 and root.prior[i] == 0  # tried (the tactical prior loves it), pruned
    for j, m in enumerate(root.moves):
        if m != PASS and root.N[j] > 0:
            assert board.check(WHITE, int(m)) is None


def test_passing_wins_when_the_opponent_passed_and_we_lead():
    # late in a settled game, White passed; Black is ahead on the board: passing ends it
    rows = [". . . . X O . . ."] * 9  # Black owns 45 points, White 36
    board = Board.from_ascii("\n".join(rows), to_move=BLACK, komi=0)
    for _ in range(30):  # make it late
        board.play(board.to_move, None)
    assert board.last_move[1] is None and board.to_move == BLACK
    search = Search(MaterialEvaluator(), SearchConfig(visits=100, batch=4))
    search.run(board)
    top = search.infos()[0]
    assert top.move is None and top.winrate == pytest.approx(1.0)


@pytest.mark.parametrize("tc, left, move", [
    (TimeControl("absolute", 600), (600, 0), 0),
    (TimeControl("absolute", 600), (12, 0), 150),
    (TimeControl("absolute", 60), (1.0, 0), 250),
    (TimeControl("canadian", 600, 300, 25), (30, 5), 200),
    (TimeControl("canadian", 0, 60, 10), (2.0, 3), 100),
    (TimeControl("byoyomi", 300, 30, 5), (0, 0), 180),
    (TimeControl("byoyomi", 300, 10, 3), (10, 1), 190),
    (TimeControl("byoyomi", 1200, 30, 5), (700, 0), 20),
])
def test_the_time_manager_stays_inside_the_time_left(tc, left, move):
    budget = move_budget(tc, left, 19, move)
    seconds, stones = left
    available = seconds / stones if stones else (seconds if seconds > 0 else tc.byo_time)
    assert 0 < budget
    assert budget <= max(0.05, available * 0.85), (budget, available)


def test_no_clock_means_the_players_own_limit():
    assert move_budget(TimeControl(), None, 19, 10) is None
    assert move_budget(TimeControl(), None, 19, 10, cap=2.0) == 2.0
    assert move_budget(TimeControl("absolute", 600), (600, 0), 19, 0, cap=2.0) == 2.0


def test_search_player_on_the_shipped_net_plays_and_analyses():
    player = SearchPlayer(visits=24, seed=1)
    board = Board(19)
    for v in ("Q16", "D4", "Q4"):
        board.play(board.to_move, coords.to_flat(coords.from_gtp(v, 19), 19))
    decision = player.decide(board)
    assert isinstance(decision.move, int) and board.check(board.to_move, decision.move) is None
    analysis = player.last_analysis
    assert analysis.visits == 24 == sum(m.visits for m in analysis.moves)
    assert all(0 <= m.winrate <= 1 and m.pv[0] == m.move for m in analysis.moves)
    assert analysis.moves[0].move == decision.move
    # visits=1 is the policy alone: the net's favourite legal move
    policy_only = SearchPlayer(visits=1).decide(board)
    assert policy_only.move == int(np.argmax(SearchPlayer(visits=1).policy(board)))


def test_two_threads_pipeline_the_shipped_net_and_stay_deterministic():
    """--threads 2 with playouts at the leaves: the net runs on one thread, the tree and the
    playouts on the other (thread_plan), and the same seed still gives the same search."""
    import torch
    before = torch.get_num_threads()
    board = Board(19)
    for v in ("Q16", "D4", "Q4", "D16"):
        board.play(board.to_move, coords.to_flat(coords.from_gtp(v, 19), 19))
    try:
        runs = []
        for _ in range(2):
            player = SearchPlayer(visits=96, seed=4, threads=2).load()
            assert player.config.pipeline and torch.get_num_threads() == 1
            analysis = player.analyse(board)
            runs.append([(m.move, m.visits, m.winrate) for m in analysis.moves])
            assert analysis.visits == 96
        assert runs[0] == runs[1]
        assert not SearchPlayer(visits=8, threads=2, mix=0.0).load().config.pipeline  # both to the net
    finally:
        torch.set_num_threads(before)


# ---------------------------------------------------------------------- the batched leaf work (issue 17)
# Three eyes and a false one for Black (X), and White's (O) eye at the edge.
EYES = """
. X . X . . . O .
X X X X . . O . O
. X . . . . . O .
X X . . . . . . .
. . . X X X . . .
. . . X . X . . .
. . . . X O . . .
O . . . . . . . .
. O . . . . . . .
"""


@pytest.mark.parametrize("to_move", [BLACK, WHITE])
def test_candidates_are_the_empty_points_that_are_not_the_movers_eyes(to_move):
    from gocnn.play.search import _candidates
    board = Board.from_ascii(EYES, to_move=to_move, komi=0)
    expected = [p == 0 and not board.is_eye(i, to_move) for i, p in enumerate(board.colors)]
    assert _candidates(board).tolist() == expected
    assert not all(expected[i] for i, p in enumerate(board.colors) if p == 0)  # some eyes left out


def test_leaf_playouts_are_the_scoring_playouts_of_each_board():
    from gocnn.go.board import neighbour_arrays
    from gocnn.go.scoring import ownership
    from gocnn.play.search import _leaf_playouts
    boards = [Board.from_ascii(d, to_move=c, komi=k) for d, c, k in
              [(SAVE, BLACK, 0.0), (CAPTURE, WHITE, 6.5), (EYES, BLACK, 7.0)]]
    seeds = [11, 12, 13]
    nb, _, dg, _ = neighbour_arrays(9)
    wins = _leaf_playouts(np.array([b.colors for b in boards], np.int8), np.array([b.to_move for b in boards]),
                          np.array([b.ko for b in boards]), np.array(seeds) + 1,
                          np.array([b.komi for b in boards]), 16, nb, dg)
    assert wins.tolist() == [ownership(b, 16, seed=s)[1] for b, s in zip(boards, seeds)]


class _Threaded(MaterialEvaluator):
    threads = 2  # the search plays its leaf playouts beside the net


@pytest.mark.parametrize("mix", [None, 0.0, 1.0])
def test_playouts_beside_the_net_change_nothing(mix):
    board = Board.from_ascii(CAPTURE, to_move=BLACK, komi=0)
    runs = []
    for evaluator in (MaterialEvaluator(), _Threaded()):
        search = Search(evaluator, SearchConfig(visits=120, batch=8, seed=3, mix=mix))
        root = search.run(board)
        runs.append((root.N.copy(), root.W.copy(), search.root_value()))
    assert np.array_equal(runs[0][0], runs[1][0]) and np.array_equal(runs[0][1], runs[1][1])
    assert runs[0][2] == runs[1][2]


def test_the_search_leaves_the_garbage_collector_as_it_found_it():
    import gc
    board = Board.from_ascii(SAVE, to_move=BLACK, komi=0)
    assert gc.isenabled()
    Search(MaterialEvaluator(), SearchConfig(visits=20, batch=4)).run(board)
    assert gc.isenabled()
    gc.disable()
    try:
        Search(MaterialEvaluator(), SearchConfig(visits=20, batch=4)).run(board)
        assert not gc.isenabled()
    finally:
        gc.enable()
