"""Players: the net's policy, and the play-well rules of genmove (read as Go diagrams)."""

from __future__ import annotations

import random
import shutil
import subprocess

import numpy as np
import pytest
from conftest import save_tiny_net

from gocnn.go import coords
from gocnn.go.board import BLACK, WHITE, Board
from gocnn.model import default_model_path, resolve_model_path
from gocnn.play.policy import RESIGN, PolicyPlayer, RandomPlayer, choose_move, self_atari_size
from gocnn.errors import GocnnError
from gocnn.go.scoring import estimate, final_score


def pt(v: str, size: int) -> int:
    return coords.to_flat(coords.from_gtp(v, size), size)


def prefer(board: Board, *vertices: str) -> np.ndarray:
    """A policy that likes the given points in order, then everything else a little."""
    probs = np.full(board.size ** 2, 1e-6)
    for i, v in enumerate(vertices):
        probs[pt(v, board.size)] = 1.0 - 0.01 * i
    return probs


def test_missing_shipped_net_is_a_clear_error(tmp_path):
    assert default_model_path().name == "default.safetensors"
    with pytest.raises(GocnnError, match="no model file"):
        resolve_model_path(tmp_path / "x.safetensors")
    if not default_model_path().exists():
        with pytest.raises(GocnnError, match="--random"):
            PolicyPlayer()


def test_never_fills_its_own_eye():
    b = Board.from_ascii("""
        . X . O .
        X X X O O
        . X O O .
        X X O . O
        . X O O .
    """, to_move=BLACK)
    d = choose_move(b, prefer(b, "A5", "A3", "A1", "C5"))
    assert d.move == pt("C5", 5)  # the first choice that is not an own eye


def test_no_self_atari_of_a_big_chain_when_anything_else_is_playable():
    b = Board.from_ascii("""
        . . . . . . .
        . . . . . . .
        . . . . . . .
        . O O O O . .
        O X X X O . .
        . . . . O . .
        . . . . . . .
    """, to_move=BLACK)
    assert self_atari_size(b, BLACK, pt("E2", 7)) == 0
    assert self_atari_size(b, WHITE, pt("B2", 7)) == 0
    b2 = Board.from_ascii("""
        . . . . .
        . . . . .
        O O O O .
        X X X O .
        . O . O .
    """, to_move=BLACK)
    assert self_atari_size(b2, BLACK, pt("C1", 5)) == 4  # fills its last-but-one liberty
    d = choose_move(b2, prefer(b2, "C1", "E5"))
    assert d.move == pt("E5", 5)


def test_passes_when_nothing_is_left_to_play_and_the_opponent_passed():
    b = Board.from_ascii("""
        . X O . O
        X X O O O
        X . X O .
        X X X O O
        . X O O .
    """, to_move=WHITE)
    b.play(WHITE, None)  # white passed; black to move
    d = choose_move(b, np.ones(25))
    assert d.move is None, d


def test_cleanup_captures_dead_stones_then_passes():
    b = Board.from_ascii("""
        . . . . . . .
        . X X X X X .
        . X . . . X .
        . X . O . X .
        . X . . . X .
        . X X X X X .
        . . . . . . .
    """, to_move=BLACK, komi=0.5)
    est = estimate(b, 200)
    assert pt("D4", 7) in est.dead
    moves = 0
    while moves < 20:
        d = choose_move(b, np.ones(49), cleanup=True, playouts=200)
        if d.move is None:
            break
        b.play(BLACK, d.move)
        b.play(WHITE, None)
        moves += 1
    assert not b.stones(WHITE), b
    assert moves < 20


def test_resigns_only_when_hopeless_and_never_in_cleanup():
    b = Board.from_ascii("""
        O O O O O O O
        O . O . O O .
        O O O O O O O
        . O . O . O .
        O O O O O O O
        X X . . . . .
        . X . . . . .
    """, to_move=BLACK, komi=7.5)
    for _ in range(22):  # late in the game (44 moves; the check runs every 4th move)
        b.history.append(("move", BLACK, None))
        b.history.append(("move", WHITE, None))
    assert choose_move(b, np.ones(49), resign_threshold=0.9).move == RESIGN
    assert choose_move(b, np.ones(49), resign_threshold=1.0).move != RESIGN
    assert choose_move(b, np.ones(49), resign_threshold=0.9, cleanup=True).move != RESIGN


def test_avoids_positional_superko():
    b = Board(5)
    for color, v in [(BLACK, "B3"), (WHITE, "C3"), (BLACK, "C4"), (WHITE, "D4"), (BLACK, "C2"),
                     (WHITE, "D2"), (WHITE, "E3"), (BLACK, "D3")]:
        b.play(color, pt(v, 5))
    d = choose_move(b, prefer(b, "A1"))
    assert d.move is None or not b.repeats_position(b.to_move, d.move)


# ---------------------------------------------------------------------- the net
@pytest.fixture(scope="module")
def tiny9(tmp_path_factory):
    pytest.importorskip("torch")
    return save_tiny_net(tmp_path_factory.mktemp("net") / "tiny9.safetensors", seed=1)


def test_policy_player_policy_is_masked_and_normalised(tiny9):
    p = PolicyPlayer(tiny9)
    b = Board(9)
    b.play(BLACK, pt("E5", 9))
    probs = p.policy(b)
    assert probs.shape == (81,) and abs(probs.sum() - 1) < 1e-5
    assert probs[pt("E5", 9)] == 0
    top = p.top_moves(b, 5)
    assert len(top) == 5 and [q for _, q in top] == sorted([q for _, q in top], reverse=True)


def test_policy_player_asks_the_evaluator(tiny9):
    """The one softmax and masking path: the player's policy is the evaluator's over the legal
    points, and its move the play-well rule's on the evaluator's policy over the empty points."""
    from gocnn.model.evaluator import Evaluator

    ev = Evaluator.load(tiny9)
    p = PolicyPlayer(evaluator=ev, seed=0)
    b = Board(9)
    b.play(BLACK, pt("E5", 9))
    legal = np.zeros(81, bool)
    legal[b.legal_moves(b.to_move)] = True
    assert p.load().evaluator is ev and p.net is ev.net and p.config is ev.config
    assert np.array_equal(p.policy(b), ev.evaluate_one(b, legal).policy)
    assert p.genmove(b) == choose_move(b, ev.evaluate_one(b).policy, rng=random.Random(0)).move


def test_eight_symmetries_give_a_symmetric_policy_on_the_empty_board(tiny9):
    p = PolicyPlayer(tiny9, symmetries=8)
    probs = p.policy(Board(9)).reshape(9, 9)
    assert np.allclose(probs, probs.T, atol=1e-6) and np.allclose(probs, probs[::-1], atol=1e-6)


def test_temperature_and_a_whole_game(tiny9):
    p = PolicyPlayer(tiny9, temperature=1.0, seed=3, resign_threshold=1.0)
    b = Board(9)
    for _ in range(200):
        m = p.genmove(b)
        if m is None and b.last_move and b.last_move[1] is None:
            break
        assert m is None or b.is_legal(b.to_move, m)
        b.play(b.to_move, m)
    assert b.passes >= 1 or b.move_number() == 200


def test_a_net_for_another_size_falls_back_to_uniform(tiny9):
    p = PolicyPlayer(tiny9)
    b = Board(7)
    probs = p.policy(b)
    assert np.allclose(probs, 1 / 49)
    assert p.genmove(b) is not None


def test_random_player_is_unchanged():
    b = Board(5)
    r = RandomPlayer(seed=0)
    assert abs(r.policy(b).sum() - 1) < 1e-6 and r.genmove(b) in range(25)


@pytest.mark.gnugo
def test_final_score_agrees_with_gnugo_on_games_played_out(gnugo):
    """Random games played to the end (no dame left), scored by us and by GNU Go."""
    agree = 0
    for seed in range(4):
        b = Board(9, komi=6.5)
        r = RandomPlayer(seed=seed)
        while b.passes < 2 and b.move_number() < 400:
            b.play(b.to_move, r.genmove(b))
        cmds = ["boardsize 9", "komi 6.5"] + [
            f"play {'b' if c == BLACK else 'w'} {coords.to_gtp(coords.from_flat(p, 9) if p is not None else None, 9)}"
            for c, p in b.moves] + ["final_score"]
        out = subprocess.run([gnugo, "--mode", "gtp", "--chinese-rules"], input="\n".join(cmds) + "\n",
                             capture_output=True, text=True, timeout=120).stdout
        theirs = [ln for ln in out.split("\n") if ln.startswith("=")][-1][2:].strip()
        agree += theirs == final_score(b).result
    assert agree == 4
