"""The playout estimate of :mod:`gocnn.go.scoring`: the same games as ever, whatever the kernel.

Issue 17 rewrote the compiled playouts for speed (liberties kept incrementally, no reference
counting in the game loop); these figures were recorded from the kernel before that rewrite,
so a faster kernel has to play exactly the same random games (same moves, same seed use)."""

from __future__ import annotations

import numpy as np
import pytest

from gocnn.go import sgf
from gocnn.go.board import Board, neighbour_arrays
from gocnn.go.scoring import _leaf_playouts, ownership

# (move number, Black's wins of 32, ownership summed, |ownership| summed, sum of point * ownership)
# over 32 playouts (seed 5) from moves 30, 100 and 180 of the sample's first two 19x19 games
RECORDED = [(30, 12, 198, 2046, 15432), (100, 17, 54, 3710, -22640), (180, 22, 1198, 6682, 232436),
            (30, 22, 806, 2266, 154632), (100, 17, 836, 4272, 111538), (180, 13, -380, 5968, -170596)]


def _sample_positions(samples) -> list[Board]:
    out = []
    for rec in sgf.read_games([samples / "sgf" / "kgs-sample.tar.gz"], sgf.Filters(sizes=(19,), min_moves=200)):
        board = rec.board()
        for i, (color, point) in enumerate(rec.moves[:181]):
            if i in (30, 100, 180):
                out.append(board.copy())
            board.play(color, point)
        if len(out) >= 6:
            return out
    pytest.skip("no 19x19 games of 200+ moves in the sample")


def _figures(board: Board) -> tuple[int, ...]:
    own, win = ownership(board, 32, seed=5)
    own = np.rint(own * 32).astype(np.int64)
    return (board.move_number(), int(round(win * 32)), int(own.sum()), int(np.abs(own).sum()),
            int((own * np.arange(len(own))).sum()))


def test_playouts_play_the_games_they_always_played(samples):
    assert [_figures(b) for b in _sample_positions(samples)] == RECORDED


def test_leaf_playouts_are_ownerships_win_fractions(samples):
    boards = _sample_positions(samples)
    nb, _, dg, _ = neighbour_arrays(19)
    seeds = np.arange(len(boards)) * 7 + 3
    wins = _leaf_playouts(np.array([b.colors for b in boards], np.int8), np.array([b.to_move for b in boards]),
                          np.array([b.ko for b in boards]), seeds + 1, np.array([b.komi for b in boards]), 4, nb, dg)
    assert wins.tolist() == [ownership(b, 4, seed=int(s))[1] for b, s in zip(boards, seeds)]
