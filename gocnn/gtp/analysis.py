"""KataGo's JSON analysis protocol (``gocnn analysis``), for review tools such as KaTrain.

One JSON query a line on stdin; one JSON line on stdout for each analysed turn, as KataGo's
``docs/Analysis_Engine.md`` describes.  :class:`AnalysisServer` owns the protocol:
:meth:`AnalysisServer.handle` parses a line, answers errors, warnings and actions at once and
queues the turns to analyse; one background worker searches them (highest ``priority`` first,
then in arrival order) and writes the results.  Every line goes through one locked writer, so
lines never interleave; stdout carries only JSON.

What the figures are:

* Each analysed turn gets a fresh :class:`~gocnn.play.players.SearchPlayer` search over the one
  loaded net (same query, same answer).  ``winrate``/``lcb``/``visits``/``prior``/``pv`` are the
  search's; ``rootInfo.visits`` is the sum of the moves' visits.
* ``scoreLead`` of a move is the searched score: the area margin that the net's ownership
  predicts (ownership summed, komi taken off) at every position evaluated below the move,
  averaged as its win rate is (``MoveInfo.score_lead``).  For a net without an ownership head it
  is the margin of random playouts' ownership (:func:`gocnn.go.scoring.ownership`) of the
  position after the move.  ``rootInfo.scoreLead`` and the ``ownership`` array are the
  visit-weighted means over the searched moves, as the root's win rate is.  ``scoreMean`` and ``scoreSelfplay`` repeat ``scoreLead``; ``utility`` is
  ``2 * winrate - 1``.
* Values are from Black's view unless ``overrideSettings.reportAnalysisWinratesAs`` says
  ``WHITE`` or ``SIDETOMOVE`` (KataGo's example config and KaTrain use ``BLACK``).
* ``avoidMoves``/``allowMoves`` restrict the search itself: before ``untilDepth`` plies the
  points are taken out of (or are all that is left of) that player's candidates.  Pass cannot
  be taken out of the search; an avoided pass is only left out of the report.
* Scoring is area (Tromp-Taylor) whatever ``rules`` says; the usual rule names are accepted.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import json
import math
import sys
import threading
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from gocnn import __version__
from gocnn.go import coords
from gocnn.go.board import BLACK, WHITE, Board, IllegalMove
from gocnn.errors import GocnnError

PLAYOUTS = 64  # the ownership estimate of a position for a net without an ownership head
RULES = {"japanese", "korean", "chinese", "chineseogs", "chinesekgs", "ancientarea", "stonescoring",
         "ancientterritory", "agabutton", "aga", "bga", "french", "nz", "newzealand", "tromptaylor", "goe",
         "ing"}  # KataGo's shorthands, without spaces, '-' and '_'
PERSPECTIVES = {"b": "BLACK", "black": "BLACK", "w": "WHITE", "white": "WHITE", "sidetomove": "SIDETOMOVE"}
KNOWN = {"id", "moves", "initialStones", "initialPlayer", "rules", "komi", "boardXSize", "boardYSize",
         "analyzeTurns", "maxVisits", "includeOwnership", "includeMovesOwnership", "includePolicy",
         "overrideSettings", "reportDuringSearchEvery", "avoidMoves", "allowMoves", "priority",
         "priorities", "analysisPVLen"}


class QueryError(Exception):
    """A query that cannot be answered; ``field`` names the query field at fault, if one is."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Restriction:
    """avoidMoves / allowMoves for one player: ``points`` (flat) are avoided, or with
    ``allow`` they are the only points allowed, before ``until`` plies from the root."""
    color: int
    points: frozenset
    until: int
    allow: bool = False
    avoid_pass: bool = False


@dataclass
class Job:
    """One turn of one query."""
    id: str
    turn: int
    board: Board
    visits: int
    seconds: float | None
    config: object  # the SearchConfig of this turn
    perspective: str = "BLACK"
    report_every: float | None = None
    ownership: bool = False
    moves_ownership: bool = False
    policy: bool = False
    pv_len: int | None = None
    restrictions: list = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    state: str = "pending"  # -> running -> done


class _Restricted:
    """The evaluator with a job's avoid/allow restrictions applied to the candidate masks the
    search asks with; everything else is the evaluator's."""

    def __init__(self, evaluator, root: Board, restrictions: list[Restriction]):
        self.evaluator, self.restrictions = evaluator, restrictions
        self.root_moves = root.move_number()

    def __getattr__(self, name):
        return getattr(self.evaluator, name)

    def evaluate(self, boards, masks=None):
        if masks is not None:
            masks = [self._restrict(b, m) for b, m in zip(boards, masks)]
        return self.evaluator.evaluate(boards, masks)

    def _restrict(self, board: Board, mask: np.ndarray) -> np.ndarray:
        depth = board.move_number() - self.root_moves
        for r in self.restrictions:
            if r.color != board.to_move or depth >= r.until:
                continue
            listed = np.zeros(len(mask), bool)
            listed[list(r.points)] = True
            mask = mask & listed if r.allow else mask & ~listed
        return mask


# ---------------------------------------------------------------------- parsing
def _color(value, name: str) -> int:
    text = value.strip().lower() if isinstance(value, str) else None
    if text in ("b", "black"):
        return BLACK
    if text in ("w", "white"):
        return WHITE
    raise QueryError(f"{name}: not a player: {value!r} (B or W)", name)


def _vertex(value, size: int, name: str) -> int | None:
    if not isinstance(value, str):
        raise QueryError(f"{name}: not a vertex: {value!r}", name)
    try:
        move = coords.from_gtp(value, size)
    except coords.CoordError as exc:
        raise QueryError(f"{name}: {exc}", name) from None
    return None if move is None else coords.to_flat(move, size)


def _stones(value, size: int, name: str) -> list[tuple[int, int | None]]:
    if not isinstance(value, list):
        raise QueryError(f"{name} must be a list of [player, vertex] pairs", name)
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2):
            raise QueryError(f"{name}: not a [player, vertex] pair: {item!r}", name)
        out.append((_color(item[0], name), _vertex(item[1], size, name)))
    return out


def _int(value, name: str, lo: int, hi: int | None = None) -> int:
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())):
        raise QueryError(f"{name} must be an integer, not {value!r}", name)
    if value < lo or (hi is not None and value > hi):
        raise QueryError(f"{name} must be {lo}..{hi}, not {value!r}" if hi is not None
                         else f"{name} must be >= {lo}, not {value!r}", name)
    return int(value)


def _number(value, name: str, lo: float, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise QueryError(f"{name} must be a number, not {value!r}", name)
    if value < lo or (hi is not None and value > hi):
        raise QueryError(f"{name} out of range: {value!r}", name)
    return float(value)


def _bool(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise QueryError(f"{name} must be true or false, not {value!r}", name)
    return value


def _rules(value) -> None:
    """Accept KataGo's rule names and rule objects (scoring is area here, whatever they say)."""
    if isinstance(value, dict):
        return
    if not isinstance(value, str) or "".join(c for c in value.lower() if c not in " -_") not in RULES:
        raise QueryError(f"unknown rules: {value!r}", "rules")


def _size(query: dict) -> int:
    x, y = query.get("boardXSize", 19), query.get("boardYSize", query.get("boardXSize", 19))
    x = _int(x, "boardXSize", 1)
    y = _int(y, "boardYSize", 1)
    if x != y:
        raise QueryError(f"only square boards are supported, not {x}x{y}", "boardYSize")
    try:
        return coords.check_size(x)
    except coords.CoordError as exc:
        raise QueryError(f"unsupported board size: {exc}", "boardXSize") from None


def _restrictions(query: dict, size: int) -> list[Restriction]:
    out = []
    for key in ("avoidMoves", "allowMoves"):
        value = query.get(key, [])
        if not isinstance(value, list):
            raise QueryError(f"{key} must be a list of objects", key)
        seen = set()
        for item in value:
            if not isinstance(item, dict) or not {"player", "moves", "untilDepth"} <= set(item):
                raise QueryError(f"{key}: each entry needs player, moves and untilDepth", key)
            color = _color(item["player"], key)
            if key == "allowMoves" and color in seen:
                raise QueryError("allowMoves: at most one entry per player", key)
            seen.add(color)
            if not isinstance(item["moves"], list):
                raise QueryError(f"{key}: moves must be a list of vertices", key)
            points = [_vertex(v, size, key) for v in item["moves"]]
            out.append(Restriction(color, frozenset(p for p in points if p is not None),
                                   _int(item["untilDepth"], f"{key}.untilDepth", 1), key == "allowMoves",
                                   None in points))
    return out


def _overrides(query: dict, config, warn: Callable[[str, str], None]) -> dict:
    """The settings of ``overrideSettings`` that apply here, checked; the others are warned of."""
    value = query.get("overrideSettings", {})
    if not isinstance(value, dict):
        raise QueryError("overrideSettings must be an object", "overrideSettings")
    out = {}
    for key, v in value.items():
        name = f"overrideSettings.{key}"
        if key in ("maxVisits", "maxPlayouts"):
            out["visits"] = _int(v, name, 1)
        elif key == "maxTime":
            out["seconds"] = _number(v, name, 0.0) or None
        elif key == "cpuctExploration":
            out["config"] = dataclasses.replace(config, c_puct=_number(v, name, 0.0))
        elif key == "analysisPVLen":
            out["pv_len"] = _int(v, name, 0)
        elif key == "reportAnalysisWinratesAs":
            p = PERSPECTIVES.get(v.lower()) if isinstance(v, str) else None
            if p is None:
                raise QueryError(f"{name} must be BLACK, WHITE or SIDETOMOVE, not {v!r}", "overrideSettings")
            out["perspective"] = p
        else:
            warn(f"setting not used by gocnn: {key}", "overrideSettings")
    return out


def parse_query(query: dict, *, size_ok: Callable[[int], bool], config,
                warn: Callable[[str, str], None]) -> list[Job]:
    """The jobs of an analysis query (one per turn in ``analyzeTurns``), searched with ``config``
    unless the query says otherwise; ``warn(text, field)`` hears of what is ignored.  Raises
    QueryError."""
    qid = query["id"]
    for key in query:
        if key not in KNOWN:
            warn("Unexpected or unused field", key)
    size = _size(query)
    if not size_ok(size):
        raise QueryError(f"unsupported board size {size}x{size}: the net does not play it", "boardXSize")
    komi = _number(query.get("komi", 7.5), "komi", -400, 400)
    if komi * 2 != int(komi * 2):
        raise QueryError(f"komi must be an integer or half-integer, not {komi}", "komi")
    if "rules" in query:
        _rules(query["rules"])
    moves = _stones(query.get("moves", []), size, "moves")
    stones = _stones(query.get("initialStones", []), size, "initialStones")
    if any(p is None for _, p in stones):
        raise QueryError("initialStones: pass is not a stone", "initialStones")
    first = moves[0][0] if moves else BLACK
    initial = first if query.get("initialPlayer") is None else _color(query["initialPlayer"], "initialPlayer")
    turns = query.get("analyzeTurns", [len(moves)])
    if not isinstance(turns, list) or not turns:
        raise QueryError("analyzeTurns must be a non-empty list of turn numbers", "analyzeTurns")
    turns = [_int(t, "analyzeTurns", 0, len(moves)) for t in turns]
    priorities = query.get("priorities")
    if priorities is not None:
        if not isinstance(priorities, list) or len(priorities) != len(turns):
            raise QueryError("priorities must be a list as long as analyzeTurns", "priorities")
        for p in priorities:
            _int(p, "priorities", -2 ** 31)
    settings = _settings(query, config, warn)
    restrictions = _restrictions(query, size)
    _int(query.get("priority", 0), "priority", -2 ** 31)

    boards = _positions(size, komi, stones, initial, moves, set(turns))
    return [Job(qid, t, boards[t], restrictions=restrictions, **settings) for t in turns]


def _settings(query: dict, config, warn: Callable[[str, str], None]) -> dict:
    """The search settings and answer options of a query (Job's keyword arguments)."""
    settings = dict(visits=_int(query.get("maxVisits", config.visits), "maxVisits", 1), seconds=config.seconds,
                    config=config, perspective="BLACK", pv_len=None)
    if "analysisPVLen" in query:
        settings["pv_len"] = _int(query["analysisPVLen"], "analysisPVLen", 0)
    settings.update(_overrides(query, config, warn))
    every = query.get("reportDuringSearchEvery")
    settings["report_every"] = None if every is None else _number(every, "reportDuringSearchEvery", 0.001)
    for key, name in (("includeOwnership", "ownership"), ("includeMovesOwnership", "moves_ownership"),
                      ("includePolicy", "policy")):
        settings[name] = _bool(query.get(key, False), key)
    return settings


def _positions(size: int, komi: float, stones, initial: int, moves, turns: set[int]) -> dict[int, Board]:
    """The board at each turn in ``turns``, the player to move set as KataGo sets it."""
    board = Board(size, komi)
    for color in (BLACK, WHITE):
        points = [p for c, p in stones if c == color]
        if points:
            board.setup(color, points)
    out = {}
    for t in range(len(moves) + 1):
        to_move = initial if t == 0 else (moves[t][0] if t < len(moves) else 3 - moves[t - 1][0])
        if board.to_move != to_move:
            board.set_to_move(to_move)
        if t in turns:
            out[t] = board.copy()
        if t == len(moves):
            break
        color, point = moves[t]
        try:
            board.play(color, point)
        except IllegalMove as exc:
            vertex = coords.to_gtp(coords.from_flat(point, size), size)
            raise QueryError(f"Illegal move {t}: {'B' if color == BLACK else 'W'} {vertex} ({exc.reason})",
                             "moves") from None
    return out


# ---------------------------------------------------------------------- the server
class AnalysisServer:
    """The protocol over a loaded net (see the module docstring).  ``player`` is a loaded
    :class:`~gocnn.play.players.SearchPlayer` (its evaluator and config are used; each turn gets
    a search of its own); ``write`` takes one finished output line."""

    def __init__(self, player, write: Callable[[str], None], log: Callable[[str], None] | None = None):
        self.player = player.load()
        self.evaluator = player.evaluator
        self.config = player.config
        self._write = write
        self._log = log or (lambda text: None)
        self._out_lock = threading.Lock()
        self._cond = threading.Condition()
        self._heap: list = []
        self._jobs: list[Job] = []  # pending and running
        self._order = itertools.count()
        self._closed = False
        self._worker = threading.Thread(target=self._work, daemon=True, name="analysis-worker")
        self._worker.start()

    # -------------------------------------------------------------- input
    def handle(self, line: str) -> None:
        """One input line: answered at once (errors, warnings, actions) or queued."""
        if not line.strip():
            return
        try:
            query = json.loads(line, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            self.emit({"error": f"could not parse JSON: {exc}"})
            return
        if not isinstance(query, dict):
            self.emit({"error": "a query must be a JSON object"})
            return
        qid = query.get("id")
        if not isinstance(qid, str):
            self.emit({"error": "a query needs an 'id' string", "field": "id"})
            return
        try:
            if "action" in query:
                self._action(query)
            else:
                self._analyse(query)
        except QueryError as exc:
            self.emit({"id": qid, "error": str(exc), **({"field": exc.field} if exc.field else {})})
        except Exception as exc:  # a bug must not take the engine down: report it on the query
            self._log(f"gocnn analysis: internal error on query {qid!r}: {exc!r}")
            self.emit({"id": qid, "error": f"internal error: {exc}"})

    def _analyse(self, query: dict) -> None:
        qid = query["id"]
        warnings = []
        jobs = parse_query(query, size_ok=self.evaluator.plays_size, config=self.config,
                           warn=lambda text, key: warnings.append((text, key)))
        for text, key in warnings:
            self.emit({"id": qid, "warning": text, "field": key})
        priorities = query.get("priorities") or [query.get("priority", 0)] * len(jobs)
        with self._cond:
            for job, priority in zip(jobs, priorities):
                self._jobs.append(job)
                heapq.heappush(self._heap, (-int(priority), next(self._order), job))
            self._cond.notify()

    def _action(self, query: dict) -> None:
        action = query["action"]
        if action == "query_version":
            self.emit({**query, "version": __version__, "git_hash": "<omitted>"})
        elif action == "clear_cache":
            self.emit(query)  # there is no cache of net results to clear
        elif action == "query_models":
            self.emit({**query, "models": [{"name": str(self.player.model_path or ""),
                                            "facts": getattr(self.evaluator, "facts", {})}]})
        elif action in ("terminate", "terminate_all"):
            target = None
            if action == "terminate":
                target = query.get("terminateId")
                if not isinstance(target, str):
                    raise QueryError("terminate needs a 'terminateId' string", "terminateId")
            turns = query.get("turnNumbers")
            if turns is not None and not (isinstance(turns, list) and
                                          all(isinstance(t, int) and not isinstance(t, bool) for t in turns)):
                raise QueryError("turnNumbers must be a list of integers", "turnNumbers")
            self.emit(query)
            self.terminate(target, turns)
        else:
            raise QueryError(f"unknown action: {action!r}", "action")

    def terminate(self, qid: str | None, turns: list[int] | None = None) -> None:
        """Stop the jobs of query ``qid`` (all jobs if None), or only those ``turns``: a running
        one reports what it has, a pending one answers ``noResults`` now."""
        dropped = []
        with self._cond:
            for job in self._jobs:
                if (qid is None or job.id == qid) and (turns is None or job.turn in turns):
                    job.stop.set()
                    if job.state == "pending":
                        job.state = "done"
                        dropped.append(job)
            self._jobs = [j for j in self._jobs if j.state != "done"]
        for job in dropped:
            self.emit(_no_results(job))

    def close(self, wait: bool = True) -> None:
        """End of input: finish the queued jobs (or, without ``wait``, stop them), then return."""
        if not wait:
            self.terminate(None)
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._worker.join()

    # -------------------------------------------------------------- output
    def emit(self, obj: dict) -> None:
        text = json.dumps(obj, allow_nan=False, separators=(",", ":"))
        with self._out_lock:
            self._write(text + "\n")

    # -------------------------------------------------------------- the worker
    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._closed:
                    self._cond.wait()
                if not self._heap:
                    return
                job = heapq.heappop(self._heap)[2]
                if job.state != "pending":
                    continue
                job.state = "running"
            try:
                self._run(job)
            except Exception as exc:  # never let one position end the engine
                self._log(f"gocnn analysis: error on {job.id!r} turn {job.turn}: {exc!r}")
                self.emit({"id": job.id, "turnNumber": job.turn, "error": f"internal error: {exc}"})
            finally:
                with self._cond:
                    job.state = "done"
                    self._jobs = [j for j in self._jobs if j is not job]

    def _run(self, job: Job) -> None:
        from gocnn.play.players import SearchPlayer

        evaluator = _Restricted(self.evaluator, job.board, job.restrictions) if job.restrictions else self.evaluator
        player = SearchPlayer(evaluator=evaluator, config=job.config)
        judged: dict = {}
        reporter = None
        done = threading.Event()
        if job.report_every:
            def report() -> None:
                while not done.wait(job.report_every):
                    snap = player.snapshot(job.board)
                    if snap is not None and snap.visits > 0 and not done.is_set():
                        self.emit(self._result(job, snap, judged, during=True))
            reporter = threading.Thread(target=report, daemon=True, name="analysis-report")
            reporter.start()
        try:
            analysis = player.analyse(job.board, visits=job.visits, seconds=job.seconds, stop=job.stop.is_set)
        finally:
            done.set()
            if reporter is not None:
                reporter.join()
        if analysis is None or analysis.visits == 0:
            self.emit(_no_results(job))
        else:
            self.emit(self._result(job, analysis, judged, during=False))

    # -------------------------------------------------------------- the answer
    def _result(self, job: Job, analysis, judged: dict, during: bool) -> dict:
        """The answer line of ``job`` for an Analysis (``judged`` caches the positions after
        the moves, which do not change while the search goes on)."""
        board, size, mover = job.board, job.board.size, job.board.to_move
        view = {"BLACK": BLACK, "WHITE": WHITE}.get(job.perspective, mover)
        sign = 1.0 if view == mover else -1.0  # the mover's win rates -> the reported view's
        own_sign = 1.0 if view == BLACK else -1.0  # Black's leads and ownership -> the reported view's
        moves = analysis.moves
        self._judge(board, [m.move for m in moves if m.move not in judged], judged)
        weights = np.array([m.visits for m in moves], np.float64) / analysis.visits
        mover_sign = 1.0 if mover == BLACK else -1.0
        black_leads = [mover_sign * m.score_lead if m.score_lead is not None else judged[m.move][0]
                       for m in moves]  # the searched lead, or the judged position's
        lead = own_sign * float(np.dot(weights, black_leads))
        no_pass = any(r.color == mover and r.avoid_pass and not r.allow for r in job.restrictions)
        shown = [m for m in moves if not (m.move is None and no_pass)]
        black_lead = dict(zip([m.move for m in moves], black_leads))
        infos = [self._move_info(job, m, i, sign, own_sign * black_lead[m.move],
                                 own_sign * judged[m.move][1]) for i, m in enumerate(shown)]
        winrate = _view(analysis.winrate, sign)
        out = {"id": job.id, "turnNumber": job.turn, "isDuringSearch": during, "moveInfos": infos,
               "rootInfo": {"winrate": winrate, "scoreLead": lead, "scoreSelfplay": lead,
                            "utility": 2 * winrate - 1, "visits": analysis.visits,
                            "currentPlayer": "B" if mover == BLACK else "W"}}
        if job.ownership:
            own = weights @ np.stack([judged[m.move][1] for m in moves])
            out["ownership"] = _grid(own_sign * own, size)
        if job.policy:
            out["policy"] = self._policy(board)
        return _finite(out)

    @staticmethod
    def _move_info(job: Job, m, order: int, sign: float, lead: float, own: np.ndarray) -> dict:
        size = job.board.size
        winrate = _view(m.winrate, sign)
        pv = m.pv if job.pv_len is None else m.pv[:job.pv_len + 1]
        info = {"move": _gtp(m.move, size), "visits": m.visits, "edgeVisits": m.visits, "winrate": winrate,
                "lcb": _view(m.lcb, sign), "utility": 2 * winrate - 1, "scoreLead": lead, "scoreMean": lead,
                "scoreSelfplay": lead, "prior": m.prior, "order": order, "pv": [_gtp(p, size) for p in pv]}
        if job.moves_ownership:
            info["ownership"] = _grid(own, size)
        return info

    def _judge(self, board: Board, moves: list, judged: dict) -> None:
        """``judged[move] = (Black's area lead, Black's ownership)`` of the position after each
        move: the net's ownership head in one batch, or playouts for a net without one."""
        if not moves:
            return
        from gocnn.go.scoring import area_lead, ownership

        children = []
        for move in moves:
            child = board.copy()
            child.play(board.to_move, move)
            children.append(child)
        evals = (self.evaluator.evaluate(children) if getattr(self.evaluator, "has_ownership", False)
                 else [None] * len(children))
        for move, child, ev in zip(moves, children, evals):
            own = ev.ownership if ev is not None and ev.ownership is not None else ownership(child, PLAYOUTS)[0]
            own = np.asarray(own, np.float64)
            judged[move] = (area_lead(own, child.komi), own)

    def _policy(self, board: Board) -> list[float]:
        """The net's policy, KataGo's layout: rows from the top, -1 where illegal, pass last
        (0: the net has no pass output)."""
        probs = self.player.policy(board)
        legal = np.full(board.size * board.size, False)
        legal[board.legal_moves(board.to_move)] = True
        grid = np.where(legal, probs, -1.0)
        return _grid(grid, board.size) + [0.0]


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _no_results(job: Job) -> dict:
    return {"id": job.id, "turnNumber": job.turn, "isDuringSearch": False, "noResults": True}


def _view(p: float | None, sign: float) -> float:
    p = 0.5 if p is None else float(p)
    return p if sign > 0 else 1.0 - p


def _gtp(move: int | None, size: int) -> str:
    return coords.to_gtp(None if move is None else coords.from_flat(move, size), size)


def _grid(values: np.ndarray, size: int) -> list[float]:
    """Flat points (row 0 at the bottom) -> KataGo's row-major order from the top-left."""
    rows = np.asarray(values, np.float64).reshape(size, size)[::-1]
    return [round(float(v), 6) for v in rows.ravel()]


def _finite(obj):
    """JSON has no NaN: any non-finite number becomes 0 (never expected; a guard for the line)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else 0.0
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


# ---------------------------------------------------------------------- the command
def serve(server: AnalysisServer, stdin, stopped: Callable[[], bool] = lambda: False) -> int:
    """Feed ``stdin`` (text lines) to ``server`` until end of input (or ``stopped()``), then let
    the queued turns finish, as KataGo does when its input closes."""
    for line in stdin:
        if stopped():
            break
        server.handle(line)
    server.close(wait=not stopped())
    return 0


@dataclass(frozen=True)
class AnalysisConfig:
    """What ``gocnn analysis`` serves: the net, and the search a query gets by default."""

    model: str | None = None
    symmetries: int = 1
    threads: int = 1
    visits: int = 400  # a query's maxVisits unless it says
    time: float | None = None  # seconds a turn, unless the query's maxTime says
    mix: float | None = None
    batch: int = 8
    seed: int | None = None
    device: str = "cpu"


def run_analysis(cfg: AnalysisConfig, stdin=None, stdout=None) -> int:
    """``gocnn analysis``: KataGo's analysis protocol on ``stdin``/``stdout`` (bytes; default
    the process's).  The net is loaded before the first query is read: a missing or damaged
    model file is a GocnnError (exit 2)."""
    import io

    from gocnn.play.players import SearchPlayer
    from gocnn.play.search import SearchConfig
    from gocnn.go.scoring import warm_up

    out = stdout if stdout is not None else sys.stdout.buffer
    stdin = stdin if stdin is not None else sys.stdin.buffer
    search = SearchConfig(visits=cfg.visits, seconds=cfg.time, seed=cfg.seed or 0, mix=cfg.mix, batch=cfg.batch)
    player = SearchPlayer(cfg.model, threads=cfg.threads, symmetries=cfg.symmetries, device=cfg.device,
                          config=search)
    try:
        player.load()
    except GocnnError:
        raise
    except Exception as exc:  # torch's own errors for a file that is not a net
        raise GocnnError(f"cannot load the model {player.model_path}: {exc}") from None
    warm_up()
    broken = threading.Event()

    def write(text: str) -> None:
        if broken.is_set():
            return
        try:
            out.write(text.encode("utf-8"))
            out.flush()
        except (BrokenPipeError, OSError):  # the reader went away: stop quietly
            broken.set()

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    server = AnalysisServer(player, write, log)
    log(f"gocnn analysis: ready ({player.model_path.name}, {search.visits} visits); one JSON query a line")
    lines = io.TextIOWrapper(stdin, encoding="utf-8", errors="replace")
    return serve(server, lines, broken.is_set)
