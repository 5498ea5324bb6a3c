"""A stand-in for the net in search tests: priors and values computed from the rules alone.

``MaterialEvaluator`` gives every candidate the same prior (or, with ``tactical=True``, most of
the prior to the liberties of chains with one or two liberties - where fights are) and values a
position by the stones on the board, the mover's less the opponent's, squashed into (0, 1).  It
knows nothing of life and death beyond what the search reads out, which is what the tests want.
With ``ownership=True`` it also gives an ownership map: each stone owns its point (+1 Black's,
-1 White's), empty points nobody's, so the score lead is the stone margin less komi.
"""

from __future__ import annotations

import math

import numpy as np

from gocnn.go.board import BLACK, EMPTY
from gocnn.model.evaluator import Evaluation, softmax_masked


class MaterialEvaluator:
    def __init__(self, tactical: bool = False, scale: float = 1.0, ownership: bool = False):
        self.tactical = tactical
        self.ownership = ownership
        self.scale = scale
        self.calls = 0

    def plays_size(self, size: int) -> bool:
        return True

    def evaluate(self, boards, masks=None):
        out = []
        for i, b in enumerate(boards):
            self.calls += 1
            mask = masks[i] if masks is not None else np.asarray(b.colors) == EMPTY
            logits = np.zeros(b.size * b.size)
            if self.tactical:
                seen = set()
                for p, c in enumerate(b.colors):
                    if c != EMPTY and p not in seen:
                        seen.update(b.chain_stones(p))
                        libs = b.chain_liberties(p)
                        if len(libs) <= 2:
                            logits[list(libs)] = 3.0
            colors = np.asarray(b.colors)
            margin = float((colors == BLACK).sum() - (colors == 3 - BLACK).sum())
            mover = margin if b.to_move == BLACK else -margin
            value = 1.0 / (1.0 + math.exp(-mover / self.scale))
            own = ((colors == BLACK).astype(np.float32) - (colors == 3 - BLACK)) if self.ownership else None
            out.append(Evaluation(softmax_masked(logits, mask), value, own))
        return out

    def evaluate_one(self, board, mask=None):
        return self.evaluate([board], None if mask is None else [mask])[0]
