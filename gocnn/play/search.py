"""PUCT Monte-Carlo tree search, as in AlphaGo Zero, over an :class:`~gocnn.model.evaluator.Evaluator`.

A :class:`Node` holds one position and flat arrays over its candidate moves (``moves``,
``prior``, ``N`` visits, ``W`` summed values); a child node is made the first time the search
walks into it.  Values are the chance of winning of the player to move at the node that owns the
arrays, in [0, 1]; a child's value is seen by its parent as ``1 - value``.

One simulation walks from the root by the PUCT rule ``Q + c_puct * P * sqrt(sum N) / (1 + N)``
(an unvisited move's Q is the parent's value less ``fpu_reduction * sqrt(prior already
visited)``: first-play urgency), adds a virtual loss on the way so the next walk of the same
batch goes elsewhere, and stops at a position not yet evaluated or at the end of the game.  Up
to ``batch`` such leaves go to the net in one call; each gets its value - the net's, mixed with
random playouts by ``mix`` as AlphaGo mixed value net and rollouts, or playouts alone for a net
without a value head - and it is backed up along its path, with the leaf's score lead (the area
margin of the net's ownership, or the count of a finished game), so each move also has a
searched score (``MoveInfo.score_lead``, KataGo's ``scoreLead``).

Rules are priors, not vetoes: candidates are the empty points that do not fill one of the
mover's own eyes, plus pass; a move found illegal (suicide, ko, positional superko) when the
search first walks into it gets prior 0 and is never chosen.  Two passes end the game: the
player whose pass ended it wins only if it wins by Tromp-Taylor area both as the board stands
and with the dead stones of the playout estimate removed (see :meth:`Search._finish`).

Everything is deterministic for a given seed, whatever the thread count: the tree is walked by
one Python thread, the net runs its batch with torch's own threads, and a batch's leaf playouts
(their seeds drawn in leaf order) run in one compiled call that releases the GIL - on a worker
thread beside the net's forward pass when the evaluator has two or more threads, else before it.
With ``pipeline`` (:func:`thread_plan`: 2+ threads and playouts at the leaves, or a GPU) the net
judges one batch on its own thread while the search walks the tree for the next, in a fixed
order of walks and backups (see :meth:`Search._pipelined`).
Speed (issue 17, ``gocnn bench search``): the net's forward pass and the leaf playouts are most of
a visit; the search pauses Python's cyclic garbage collector while it runs (see
:class:`_CollectorPaused`).
"""

from __future__ import annotations

import gc
import math
import random
import time
from dataclasses import dataclass, field

from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from numba import njit

from gocnn.go.board import BLACK, EMPTY, Board, neighbour_arrays
from gocnn.go.scoring import _leaf_playouts, area_lead

PASS = -1
# AlphaGo's half-and-half mix of value net and rollouts.  With the shipped v6 net (value Brier
# 0.241) it measured best on 9x9 against GNU Go level 10, 200 visits, 20 games each: mix 0.5
# won 15, the value alone 9, the policy alone (no search) 12 (README, "Strength and figures").
DEFAULT_MIX = 0.5


@dataclass(frozen=True)
class SearchConfig:
    visits: int = 400  # simulations a move (tree reuse counts what is already there)
    seconds: float | None = None  # and/or a time limit a move
    c_puct: float = 1.5
    fpu_reduction: float = 0.2
    batch: int = 8  # leaves per net call
    mix: float | None = None  # weight of playouts in a leaf's value (None: DEFAULT_MIX with a value head, 1 without)
    leaf_playouts: int = 4  # random playouts a leaf when mixing
    pass_prior: float = 0.02
    dirichlet: float = 0.0  # root noise (self-play only): alpha; 0 = off
    noise_weight: float = 0.25
    terminal_playouts: int = 64  # the dead-stone estimate of a finished game
    seed: int = 0
    pipeline: bool = False  # the net judges one batch on a worker thread while this one walks the next

    def leaf_mix(self, has_value: bool = True) -> float:
        """The weight of playouts in a leaf's value: ``mix``, or DEFAULT_MIX where it is None;
        a net without a value head leaves the playouts alone (1)."""
        if not has_value:
            return 1.0
        return DEFAULT_MIX if self.mix is None else self.mix


@dataclass
class Node:
    board: Board
    moves: np.ndarray | None = None  # candidate points; PASS = -1
    prior: np.ndarray | None = None
    N: np.ndarray | None = None
    W: np.ndarray | None = None
    S: np.ndarray | None = None  # Black's score lead summed over each move's scored visits
    C: np.ndarray | None = None  # ... and how many visits brought a score
    children: list = field(default_factory=list)
    value: float | None = None  # the evaluation of this position, to move's view
    terminal: bool = False
    ownership: np.ndarray | None = None  # Black's, from the net (or the estimate at the end)
    lead: float | None = None  # Black's score lead here: the ownership's area margin, or the count
    own_policy: bool = True
    noised: bool = False  # root noise added (self-play), once per node

    @property
    def expanded(self) -> bool:
        return self.moves is not None

    @property
    def visits(self) -> int:
        return int(self.N.sum()) if self.N is not None else 0

    def q(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.N > 0, self.W / np.maximum(self.N, 1), np.nan)


@dataclass
class MoveInfo:
    """One root move as analysis reports it."""
    move: int | None  # flat point or None for pass
    visits: int
    winrate: float  # the mover's chance of winning after this move
    prior: float
    lcb: float
    pv: list  # flat points / None, this move first
    score_lead: float | None = None  # the mover's lead after this move, averaged over its subtree


class Search:
    """A search tree over positions and the evaluator that judges them."""

    def __init__(self, evaluator, config: SearchConfig = SearchConfig()):
        self.evaluator = evaluator
        self.config = config
        self.rng = np.random.default_rng(config.seed)
        self.prng = random.Random(config.seed)
        self.root: Node | None = None
        self.evals = 0  # positions sent to the net (for the bench)
        self.scored = False  # the net gives ownership, so visits back up a score lead

    # -------------------------------------------------------------- the tree
    def set_position(self, board: Board) -> Node:
        """Make ``board`` the root, keeping the subtree of the old root that reaches it (tree
        reuse) when the game went on from there."""
        old = self.root
        if old is not None:
            node = _descend(old, board)
            if node is not None:
                self.root = node
                return node
        self.root = Node(board.copy())
        return self.root

    def run(self, board: Board, visits: int | None = None, seconds: float | None = None,
            stop=None) -> Node:
        """Search ``board`` until the root has ``visits`` simulations or ``seconds`` pass (or
        ``stop()`` says so).  Returns the root."""
        cfg = self.config
        visits = cfg.visits if visits is None else visits
        seconds = cfg.seconds if seconds is None else seconds
        # the deadline counts tree reuse too, and keeps back what follows the search (the young
        # objects' collection when the collector is back on, the move's choice): 5%, at most 0.1 s
        deadline = time.perf_counter() + seconds - min(0.1, 0.05 * seconds) if seconds else None
        root = self.set_position(board)
        if not root.expanded:
            self._evaluate([(root, [])])
        if cfg.dirichlet > 0 and not root.noised:
            self._add_noise(root)
            root.noised = True
        start = root.visits

        def more() -> bool:  # a search that starts late still makes one batch: a move from the tree
            late = deadline is not None and time.perf_counter() >= deadline and root.visits > start
            return root.visits < visits and not late and (stop is None or not stop())

        with _CollectorPaused() as collector:
            if cfg.pipeline:
                self._pipelined(root, visits, more, collector)
            else:
                while more():
                    self.step(min(cfg.batch, visits - root.visits))
                    collector.tick()
        return root

    def step(self, batch: int) -> None:
        """One batch of simulations."""
        leaves = self._gather(batch, set())
        if leaves:
            self._complete(self._start(leaves))

    def _pipelined(self, root: Node, visits: int, more, collector) -> None:
        """Batches in a pipeline (``config.pipeline``): while the net judges batch k on its
        worker thread, this thread walks the tree for batch k+1 (with batch k's virtual losses
        in place, its leaves off limits), hands it to the worker, and only then backs up batch
        k.  The order of walks and backups never depends on timing, so the search stays
        deterministic; the net is kept busy while the tree's Python and the leaf playouts run
        on the other core."""
        pending = None
        while True:
            leaves = []
            if more():
                leaves = self._gather(min(self.config.batch, visits - root.visits),
                                      pending[1] if pending is not None else set())
            job = self._start(leaves, background=True) if leaves else None
            if pending is not None:
                self._complete(pending[0])
            elif job is None and not more():
                break
            pending = None if job is None else (job, {id(leaf) for leaf, _ in leaves})
            collector.tick()

    # -------------------------------------------------------------- selection
    def _select(self, node: Node):
        path = []
        while True:
            if node.terminal:
                self._backup(path, node.value, node.lead)
                return path, None
            if not node.expanded:
                return path, node
            i = self._pick(node)
            node.N[i] += 1  # virtual loss: a visit that so far won nothing
            path.append((node, i))
            child = node.children[i]
            if child is None:
                child = self._child(node, i)
                if child is None:  # illegal after all: the prior is gone, walk again from here
                    node.N[i] -= 1
                    path.pop()
                    continue
            node = child

    def _pick(self, node: Node) -> int:
        cfg = self.config
        parent_q = node.value if node.value is not None else 0.5
        return _puct_pick(node.N, node.W, node.prior, parent_q, cfg.c_puct, cfg.fpu_reduction)

    def _child(self, node: Node, i: int) -> Node | None:
        board = node.board
        move = int(node.moves[i])
        point = None if move == PASS else move
        color = board.to_move
        if point is not None and (board.check(color, point) is not None
                                  or board.repeats_position(color, point)):
            node.prior[i] = 0.0
            return None
        b = board.copy()
        b.play(color, point)
        child = Node(b)
        last = board.last_move
        if point is None and last is not None and last[1] is None:
            self._finish(child)
        node.children[i] = child
        return child

    def _finish(self, node: Node) -> None:
        """Two passes: the game is over.  The player whose pass ended it counts it as won only
        if it wins both by the Tromp-Taylor area of the board as it stands and by the area
        with the dead stones the playout estimate finds: so the search captures dead stones
        before it passes, and never ends a game on stones of its own that only it would
        call alive - the referee, GNU Go and gocnn then count the same result."""
        from gocnn.go.scoring import estimate
        est = estimate(node.board, self.config.terminal_playouts, seed=self.config.seed)
        passer_sign = -1.0 if node.board.to_move == BLACK else 1.0  # the last to pass: not to move
        passer = min(passer_sign * est.score.margin, passer_sign * node.board.score().margin)
        node.terminal = True
        node.value = 0.5 if passer == 0 else float(passer < 0)  # to the player to move
        node.ownership = est.ownership
        node.lead = float(est.score.margin)

    # -------------------------------------------------------------- evaluation and backup
    def _gather(self, batch: int, busy: set[int]) -> list:
        """Up to ``batch`` walks to new leaves, as (leaf, path); a walk that reaches a leaf
        already taken (by this batch, or in ``busy``: the batch the net is judging) is undone
        and ends the batch."""
        leaves = []
        taken: set[int] = set()
        for _ in range(max(1, batch)):
            path, leaf = self._select(self.root)
            if leaf is None:  # the walk ended at a finished game: backed up already
                continue
            if id(leaf) in taken or id(leaf) in busy:
                self._revert(path)
                break
            taken.add(id(leaf))
            leaves.append((leaf, path))
        return leaves

    def _evaluate(self, leaves) -> None:
        """Judge the new leaves and back their values up."""
        self._complete(self._start(leaves))

    def _start(self, leaves, background: bool = False):
        """Send the leaves to the net: on the net's worker thread when ``background`` (the
        pipeline), else here and now.  The leaves' playouts (when the mix wants them) run in
        one compiled call that releases the GIL: here in the pipeline (beside the worker's
        forward pass), on the playout thread when the evaluator has two or more threads, else
        before the forward pass.  Returns what :meth:`_complete` needs."""
        boards = [leaf.board for leaf, _ in leaves]
        colors = np.array([b.colors for b in boards], np.int8)
        masks = _candidate_masks(boards, colors)
        if background:  # the worker starts on the net at once; the playouts run here meanwhile
            evals = _net_pool().submit(_on_worker, self.evaluator, getattr(self.evaluator, "threads", None),
                                       boards, list(masks))
        playouts = None
        if self._mix() > 0:  # every leaf mixes in playouts: seeds drawn in leaf order
            beside = not background and getattr(self.evaluator, "threads", 1) >= 2
            playouts = self._playouts(boards, colors, beside=beside)
        if not background:
            evals = Future()
            evals.set_result(self.evaluator.evaluate(boards, list(masks)))
        return leaves, boards, colors, masks, playouts, evals

    def _complete(self, job) -> None:
        """Wait for the net's judgement of a started batch, expand its leaves and back their
        values up."""
        leaves, boards, colors, masks, playouts, evals = job
        mix = self._mix()
        evals = evals.result()
        self.evals += len(boards)
        self.scored = self.scored or any(ev.ownership is not None for ev in evals)
        wins = playouts.result() if playouts is not None else self._playouts(
            [b for b, ev in zip(boards, evals) if ev.value is None],
            colors[[ev.value is None for ev in evals]]).result()
        k = 0
        for (leaf, path), ev, mask in zip(leaves, evals, masks):
            self._expand(leaf, ev, mask)
            black_win = None
            if mix > 0 or ev.value is None:
                black_win, k = wins[k], k + 1
            leaf.value = self._leaf_value(leaf.board, ev.value, black_win)
            self._backup(path, leaf.value, leaf.lead)

    def _expand(self, leaf: Node, ev, mask: np.ndarray) -> None:
        """The leaf's candidate arrays from the net's policy over ``mask``."""
        pass_prior = self.config.pass_prior
        points = np.flatnonzero(mask)
        prior = ev.policy[points].astype(np.float64)
        last = leaf.board.last_move
        after_pass = last is not None and last[1] is None
        if len(points) == 0 or (after_pass and leaf.board.move_number() >= leaf.board.size ** 2 // 3):
            pass_prior = max(pass_prior, 0.25)  # late, after a pass: look at ending the game
        leaf.moves = np.append(points, PASS).astype(np.int32)
        leaf.prior = np.append(prior * (1 - pass_prior) / max(prior.sum(), 1e-12), pass_prior)
        leaf.N = np.zeros(len(leaf.moves), np.int64)
        leaf.W = np.zeros(len(leaf.moves), np.float64)
        leaf.S = np.zeros(len(leaf.moves), np.float64)
        leaf.C = np.zeros(len(leaf.moves), np.int64)
        leaf.children = [None] * len(leaf.moves)
        leaf.ownership = ev.ownership
        if ev.ownership is not None:
            leaf.lead = area_lead(ev.ownership, leaf.board.komi)
        leaf.own_policy = ev.own_policy

    def _mix(self) -> float:
        """The configured weight of playouts (a leaf without a net value uses playouts alone)."""
        return self.config.leaf_mix()

    def _playouts(self, boards: list[Board], colors: np.ndarray, beside: bool = False):
        """Black's playout win fraction for each board (``leaf_playouts`` each, as
        :func:`gocnn.go.scoring.ownership` plays them, one seed a board drawn here in order),
        as a future: run on the playout thread when ``beside``, else done already."""
        done = Future()
        if not boards:
            done.set_result(np.zeros(0))
            return done
        n = len(boards)
        nb, _, dg, _ = neighbour_arrays(boards[0].size)
        seeds = np.array([self.prng.getrandbits(40) + 1 for _ in range(n)], np.int64)
        args = (colors.reshape(n, -1), np.array([b.to_move for b in boards], np.int64),
                np.array([b.ko for b in boards], np.int64), seeds,
                np.array([b.komi for b in boards], np.float64), self.config.leaf_playouts, nb, dg)
        if beside:
            return _playout_pool().submit(_leaf_playouts, *args)
        done.set_result(_leaf_playouts(*args))
        return done

    def _leaf_value(self, board: Board, net_value: float | None, black_win: float | None) -> float:
        mix = self._mix()
        if net_value is None:
            mix = 1.0
        value = 0.0 if mix >= 1 else (1 - mix) * net_value
        if mix > 0:
            value += mix * (black_win if board.to_move == BLACK else 1.0 - black_win)
        return float(value)

    def _backup(self, path, value: float, lead: float | None = None) -> None:
        """``value`` is the leaf's, to its mover; each step up flips it.  The virtual loss
        already counted the visit, so only the win is added; ``lead`` (Black's score lead at
        the leaf, None where the net has no ownership head) is summed the same way."""
        for node, i in reversed(path):
            value = 1.0 - value
            node.W[i] += value
            if lead is not None and self.scored:  # a finished game's count only beside the net's
                node.S[i] += lead
                node.C[i] += 1

    def _revert(self, path) -> None:
        for node, i in path:
            node.N[i] -= 1

    def _add_noise(self, root: Node) -> None:
        legal = root.prior > 0
        noise = self.rng.dirichlet([self.config.dirichlet] * int(legal.sum()))
        w = self.config.noise_weight
        root.prior[legal] = (1 - w) * root.prior[legal] + w * noise

    # -------------------------------------------------------------- results
    def infos(self, root: Node | None = None, pv_length: int = 10) -> list[MoveInfo]:
        """The root's visited moves, most visits first."""
        root = root or self.root
        if root is None or not root.expanded:
            return []
        order = np.argsort(-root.N, kind="stable")
        out = []
        for i in order:
            n = int(root.N[i])
            if n == 0:
                break
            q = float(root.W[i] / n)
            lcb = q - 1.96 * math.sqrt(max(q * (1 - q), 0.01) / n)
            lead = None
            if root.C is not None and root.C[i] > 0:
                lead = float(root.S[i] / root.C[i]) * (1.0 if root.board.to_move == BLACK else -1.0)
            out.append(MoveInfo(_as_move(root.moves[i]), n, q, float(root.prior[i]), lcb,
                                _pv(root, int(i), pv_length), lead))
        return out

    def root_lead(self, root: Node | None = None) -> float | None:
        """Black's score lead at the root: the mean over every scored visit below it (None
        before any, or where the net has no ownership head)."""
        root = root or self.root
        if root is None or root.C is None or root.C.sum() == 0:
            return root.lead if root is not None else None
        return float(root.S.sum() / root.C.sum())

    def root_value(self, root: Node | None = None) -> float | None:
        """The root player's chance of winning: the visit-weighted mean of its moves' values."""
        root = root or self.root
        if root is None or not root.expanded or root.visits == 0:
            return root.value if root is not None else None
        return float(root.W.sum() / root.N.sum())


# ---------------------------------------------------------------------- helpers
@njit(cache=True, nogil=True)
def _puct_pick(n, w, prior, parent_q, c_puct, fpu_reduction):  # pragma: no cover (compiled)
    """The move PUCT picks: the most ``Q + c_puct * P * sqrt(sum N + 1) / (1 + N)``, where an
    unvisited move's Q is ``parent_q - fpu_reduction * sqrt(prior already visited)`` and a
    move of prior 0 (illegal after all) is never picked; the first of equals.  One pass in
    compiled code: the walk calls this at every node of every simulation."""
    total = 0
    seen = 0.0
    for i in range(n.shape[0]):
        total += n[i]
        if n[i] > 0:
            seen += prior[i]
    fpu = parent_q - fpu_reduction * math.sqrt(seen)
    root = math.sqrt(total + 1.0)
    best, best_score = 0, -np.inf
    for i in range(n.shape[0]):
        if prior[i] <= 0:
            continue
        q = w[i] / n[i] if n[i] > 0 else fpu
        score = q + c_puct * prior[i] * root / (1 + n[i])
        if score > best_score:
            best, best_score = i, score
    return best


def _candidates(board: Board) -> np.ndarray:
    """Empty points that do not fill one of the mover's own eyes (bool, size*size); the eye
    test is :meth:`Board.is_eye`'s."""
    return _candidate_masks([board], np.array([board.colors], np.int8))[0]


def _candidate_masks(boards: list[Board], colors: np.ndarray) -> np.ndarray:
    """:func:`_candidates` of boards of one size at once: ``colors`` is their stones (n, points)."""
    if not boards:
        return np.zeros((0, 0), bool)
    nb, _, dg, nd = neighbour_arrays(boards[0].size)  # cached per size, padded with -1
    to_move = np.array([b.to_move for b in boards], np.int8)
    return _candidate_kernel(colors, to_move, nb, dg, nd)


@njit(cache=True, nogil=True)
def _candidate_kernel(colors, to_move, nb, dg, nd):
    """The candidate masks (see :func:`_candidates`); off-board neighbours count as walls."""
    n, points = colors.shape
    out = np.zeros((n, points), np.bool_)
    for i in range(n):
        me = to_move[i]
        for p in range(points):
            if colors[i, p] != EMPTY:
                continue
            walled = True
            for k in range(4):
                q = nb[p, k]
                if q >= 0 and colors[i, q] != me:
                    walled = False
                    break
            if not walled:
                out[i, p] = True
                continue
            bad = 0
            for k in range(4):
                q = dg[p, k]
                if q >= 0 and colors[i, q] == 3 - me:
                    bad += 1
            out[i, p] = bad > 0 if nd[p] < 4 else bad > 1
    return out


class _CollectorPaused:
    """Python's cyclic garbage collector off while a search runs, and back on after if it was
    on: the tree holds no reference cycles, refcounting frees what a search drops, and the
    boards a search copies would otherwise set off collections that walk the whole heap (about
    a tenth of a search's time on 19x19).  A long search (analysis until stopped) still
    collects the young generations once a second, for what other threads (a GUI) allocate."""

    def __enter__(self) -> "_CollectorPaused":
        self.was = gc.isenabled()
        gc.disable()
        self.since = time.perf_counter()
        return self

    def tick(self) -> None:
        if self.was and time.perf_counter() - self.since > 1.0:
            gc.collect(1)
            self.since = time.perf_counter()

    def __exit__(self, *exc) -> None:
        if self.was:
            gc.enable()


_POOL: list = []
_NET_POOL: list = []


def thread_plan(threads: int, mix: float, device: str = "cpu") -> tuple[int, bool]:
    """How a search spends ``threads`` CPU threads: (the net's torch threads, pipeline).  Where
    leaves mix in playouts (``mix`` > 0) - or the net runs on a GPU - two or more threads
    pipeline: the net gets all but one, and the last walks the tree and plays the playouts
    beside it (19x19, 2 threads, ``gocnn bench search``: 1.02-1.07x the visits of the net on
    both threads with the tree and playouts in between - the evaluator's own Python holds the
    interpreter lock the tree needs; on a GPU the pipeline is what keeps the net busy).  With
    the value net alone there is little to put beside the net, so every thread goes to it."""
    if str(device) != "cpu":
        return max(1, threads), True
    if threads >= 2 and mix > 0:
        return threads - 1, True
    return max(1, threads), False


def _net_pool() -> ThreadPoolExecutor:
    """The one worker thread that runs the net for pipelined searches (one at a time, in order)."""
    if not _NET_POOL:
        _NET_POOL.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="gocnn-net"))
    return _NET_POOL[0]


def _on_worker(evaluator, threads: int | None, boards, masks):
    """``evaluator.evaluate`` on the net's worker thread, with the torch thread count of the
    thread that started the search (OpenMP keeps the count per thread; None: a stand-in
    evaluator without torch)."""
    if threads is not None:
        import torch
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)
    return evaluator.evaluate(boards, masks)


def _playout_pool() -> ThreadPoolExecutor:
    """The one thread that runs leaf playouts beside the net (made on first use)."""
    if not _POOL:
        _POOL.append(ThreadPoolExecutor(1, thread_name_prefix="gocnn-playouts"))
    return _POOL[0]


def _as_move(m) -> int | None:
    m = int(m)
    return None if m == PASS else m


def _pv(node: Node, i: int, length: int) -> list:
    pv = [_as_move(node.moves[i])]
    child = node.children[i]
    while child is not None and child.expanded and len(pv) < length and child.visits > 0:
        j = int(np.argmax(child.N))
        if child.N[j] == 0:
            break
        pv.append(_as_move(child.moves[j]))
        child = child.children[j]
    return pv


def _descend(root: Node, board: Board) -> Node | None:
    """The node of ``root``'s tree whose position is ``board`` (same history, at most a few
    moves on), or None."""
    old, new = root.board.history, board.history
    if len(new) < len(old) or new[:len(old)] != old or len(new) - len(old) > 4:
        return None
    if board.komi != root.board.komi:
        return None
    node = root
    for kind, color, arg in new[len(old):]:
        if kind != "move" or not node.expanded:
            return None
        target = PASS if arg is None else arg
        hits = np.flatnonzero(node.moves == target)
        if len(hits) == 0 or node.children[int(hits[0])] is None:
            return None
        node = node.children[int(hits[0])]
    return node if node.board.to_move == board.to_move else None
