"""The evaluator's batching (issue 17): a position judged in a batch is judged as alone, at every
batch size the search sends (up to 8 unpadded, larger ones padded to a power of two) and with the
8 symmetries; the batch-1 path is the one players use."""

from __future__ import annotations

import numpy as np
import pytest

from gocnn.go.board import Board
from gocnn.model.evaluator import SMALL_BATCH, Evaluator, _padded

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def evaluator():
    from gocnn.model import default_model_path
    return Evaluator.load(default_model_path(), threads=1)


def _boards(n):
    """n 19x19 positions of a few moves each, White and Black to move."""
    boards = []
    for i in range(n):
        b = Board(19)
        for k in range(i % 5 + 1):
            b.play(b.to_move, (37 * i + 61 * k + 20) % 361)
        boards.append(b)
    return boards


@pytest.mark.parametrize("real, padded", [(1, 1), (3, 3), (7, 7), (8, 8), (9, 16), (13, 16), (64, 64)])
def test_small_batches_run_at_their_size_larger_ones_padded(real, padded):
    assert SMALL_BATCH == 8 and _padded(real) == padded


@pytest.mark.parametrize("symmetries, n", [(1, 7), (1, 11), (8, 3)])
def test_a_position_in_a_batch_is_judged_as_alone(evaluator, symmetries, n):
    ev = evaluator if symmetries == 1 else Evaluator(evaluator.net, evaluator.config, symmetries=8)
    boards = _boards(n)
    together = ev.evaluate(boards)
    for b, t in zip(boards, together):
        alone = ev.evaluate_one(b)
        assert t.policy.dtype == alone.policy.dtype == np.float32
        np.testing.assert_allclose(t.policy, alone.policy, atol=2e-3)
        assert t.value == pytest.approx(alone.value, abs=2e-3)
        np.testing.assert_allclose(t.ownership, alone.ownership, atol=5e-3)
        assert t.policy.sum() == pytest.approx(1.0, abs=1e-5)
        assert np.all(t.policy[np.asarray(b.colors) != 0] == 0)  # stones are never moves


def test_ownership_is_blacks_whoever_is_to_move(evaluator):
    b = _boards(5)[4]  # five moves: White to move
    black = b.copy()
    black.play(black.to_move, None)  # the same stones, Black to move
    for board in (b, black):
        own = evaluator.evaluate_one(board).ownership
        colors = np.asarray(board.colors)
        assert np.all(own[colors == 1] > 0) and np.all(own[colors == 2] < 0)  # stones are their owners'


def test_threads_are_torchs(evaluator):
    import torch
    assert evaluator.threads == torch.get_num_threads() == 1
