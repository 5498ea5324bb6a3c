"""GTP 2, the Go Text Protocol every Go GUI, referee and server speaks.

:class:`GtpEngine` is the protocol as a pure function of its state: :meth:`GtpEngine.handle`
takes one command line and returns the full reply (``=id result`` or ``?id error``, ending in
the blank line).  Commands are looked up in a table (``GtpEngine.commands``); each handler gets
the argument words and returns the result text or raises :class:`GtpError` with the spec's
wording.  :func:`serve` is the thin loop over stdin/stdout; only it knows about streaming
(``lz-analyze`` keeps sending ``info`` lines until the next command arrives).

Beyond the GTP 2 core: the KGS extensions (``kgs-time_settings``, ``kgs-genmove_cleanup``,
``kgs-game_over``), GNU Go's ``printsgf``/``list_stones``/``is_legal``, Leela Zero's
``lz-analyze``/``lz-genmove_analyze`` (the policy as ``info move ... prior ...`` lines, which
Sabaki, Lizzie and q5Go draw as a heat-map), ``gocnn-policy`` (the raw policy as a board of
numbers) and GoGui's ``gogui-analyze_commands``.

This module does not import torch: the net is loaded by the player, lazily or in a background
thread started by :func:`run_gtp`.  Before the first reply :func:`run_gtp` only checks the model
file's header (``gocnn.model.read_metadata``; today that module imports torch, about 1 s).
"""

from __future__ import annotations

import math
import os
import queue
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from gocnn import __version__
from gocnn.go import coords
from gocnn.go.board import BLACK, EMPTY, WHITE, Board, IllegalMove, handicap_points, parse_color, to_ascii
from gocnn.play.policy import RESIGN
from gocnn.errors import GocnnError

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_VERTEX = re.compile(r"^[A-HJ-Z][0-9]{1,2}$")
_ID = re.compile(r"^[0-9]+$")
ANALYSIS_MOVES = 30  # at most this many moves in an lz-analyze info line
ANALYSIS_MIN_PRIOR = 0.001
SGF_MAX_BYTES = 32 * 1024 * 1024


class GtpError(Exception):
    """A command that fails; the message is the reply text after ``?``."""


def preprocess(line: str) -> str:
    """The spec's input rules (GTP 2, 3.1): control characters other than HT and LF removed
    (so CR LF works), ``#`` comments cut, HT made a space, surrounding blanks stripped.  An
    empty result means: no command, no reply."""
    line = _CONTROL.sub("", line.replace("\r", ""))
    line = line.split("#", 1)[0].replace("\t", " ")
    return line.strip()


def _clean(text: str) -> str:
    """A reply body safe for the protocol: no control characters, and no blank line after the
    first (a blank line ends a reply)."""
    lines = _CONTROL.sub("", text.replace("\r", "")).split("\n")
    return "\n".join([lines[0].rstrip()] + [ln.rstrip() for ln in lines[1:] if ln.strip()])


@dataclass
class Response:
    id: str
    ok: bool
    text: str
    quit: bool = False
    stream: Callable[[], str] | None = None  # lz-analyze: more info lines, one call each
    interval: float = 0.0

    def format(self, closed: bool = True) -> str:
        head = ("=" if self.ok else "?") + self.id
        return f"{head} {_clean(self.text)}" + ("\n\n" if closed else "\n")


@dataclass
class Clock:
    main: float = 0.0
    byo_time: float = 0.0
    byo_stones: int = 0
    kind: str = "none"
    left: dict = field(default_factory=dict)  # colour -> (seconds, stones)


def _int(word: str, lo: int | None = None) -> int:
    if not re.fullmatch(r"[+-]?[0-9]{1,9}", word):
        raise GtpError("syntax error")
    value = int(word)
    if lo is not None and value < lo:
        raise GtpError("syntax error")
    return value


def _float(word: str) -> float:
    try:
        value = float(word)
    except ValueError:
        raise GtpError("syntax error") from None
    if not math.isfinite(value) or len(word) > 32:
        raise GtpError("syntax error")
    return value


def _color(word: str) -> int:
    try:
        return parse_color(word)
    except ValueError:
        raise GtpError("syntax error") from None


def _point(word: str, size: int) -> int | None:
    """A vertex word -> flat point or None (pass).  Malformed: syntax error; well formed
    but off this board: illegal move."""
    text = word.upper()
    if text == "PASS":
        return None
    if not _VERTEX.match(text):
        raise GtpError("syntax error")
    try:
        return coords.to_flat(coords.from_gtp(text, size), size)
    except coords.CoordError:
        raise GtpError("illegal move") from None


# KataGo's boolean analysis options (docs/GTP_Extensions.md), accepted as "KEY true|false"
ANALYZE_FLAGS = {k.lower(): k for k in ("ownership", "ownershipStdev", "pvVisits", "pvEdgeVisits",
                                        "movesOwnership", "rootInfo")}


@dataclass
class AnalyzeRequest:
    """What an analysis command asks for (see :func:`parse_analyze`)."""

    color: int
    interval: float = 0.0  # seconds between info lines; 0: one line
    minmoves: int = 0  # report at least this many moves if there are that many
    maxmoves: int | None = None  # and at most this many (default: ANALYSIS_MOVES likely ones)
    avoid: dict = field(default_factory=dict)  # colour -> points not to report
    allow: dict = field(default_factory=dict)  # colour -> the only points to report
    flags: dict = field(default_factory=dict)  # KataGo's booleans, e.g. {"ownership": True}


def parse_analyze(words: list[str], to_move: int, size: int) -> AnalyzeRequest:
    """The arguments of ``lz-analyze``, ``lz-genmove_analyze`` and KataGo's ``kata-analyze``:
    ``[colour] [interval] [KEY VALUE ...]`` with the keys ``interval CENTISECONDS``,
    ``minmoves N``, ``maxmoves N``, ``avoid|allow COLOUR VERTEX[,VERTEX...] UNTILMOVE``
    (Leela Zero) and KataGo's ``ownership true|false`` and other flags.  Raises GtpError
    naming the first argument it cannot read."""
    req, rest = AnalyzeRequest(to_move), list(words)
    if rest and rest[0].lower() in ("b", "w", "black", "white"):
        req.color = _color(rest.pop(0))
    if rest and re.fullmatch(r"[0-9]{1,9}", rest[0]):
        req.interval = int(rest.pop(0)) / 100
    while rest:
        key = rest.pop(0).lower()
        if key not in ("interval", "minmoves", "maxmoves", "avoid", "allow", *ANALYZE_FLAGS):
            raise GtpError(f"syntax error: unknown argument {key}")
        need = 3 if key in ("avoid", "allow") else 1
        if len(rest) < need:
            raise GtpError(f"syntax error: {key} needs {need} value{'s' * (need > 1)}")
        values, rest = rest[:need], rest[need:]
        if key in ("interval", "minmoves", "maxmoves"):
            n = _count(values[0], key, 1 if key == "maxmoves" else 0)
            setattr(req, key, n / 100 if key == "interval" else n)
        elif key in ("avoid", "allow"):
            try:
                color = _color(values[0])
                points = {_point(v, size) for v in values[1].split(",") if v}
            except GtpError:
                raise GtpError(f"syntax error: cannot read {key} {' '.join(values)}") from None
            if _count(values[2], key, 0) > 0:  # for the moves up to UNTILMOVE; we report the first
                getattr(req, key).setdefault(color, set()).update(p for p in points if p is not None)
        elif values[0].lower() in ("true", "false"):
            req.flags[ANALYZE_FLAGS[key]] = values[0].lower() == "true"
        else:
            raise GtpError(f"syntax error: {key} must be true or false, not {values[0]}")
    return req


def _count(word: str, key: str, lo: int) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", word) or int(word) < lo:
        raise GtpError(f"syntax error: {key} must be an integer >= {lo}, not {word}")
    return int(word)


class GtpEngine:
    """One GTP session: a board, a player, the clock settings, and the command table.

    ``player`` follows :class:`gocnn.play.policy.Player`; if it has ``decide(board, cleanup=...)``
    (the net does), genmove uses it for cleanup mode and resignation.  ``log`` is a callable
    that receives every command and reply (``--log FILE``)."""

    def __init__(self, player, name: str = "gocnn", log: Callable[[str], None] | None = None,
                 size: int = 19, komi: float = 7.5, scoring_playouts: int = 400):
        self.player = player
        self.name = name
        self.log = log
        self.board = Board(size, komi=komi)
        self.clock = Clock()
        self.scoring_playouts = scoring_playouts
        self._estimate_cache: tuple | None = None
        self.commands: dict[str, Callable[[list[str]], str]] = {
            "protocol_version": lambda a: "2",
            "name": lambda a: self.name,
            "version": lambda a: __version__,
            "known_command": self.known_command,
            "list_commands": lambda a: "\n".join(self.commands),
            "quit": lambda a: "",
            "boardsize": self.boardsize,
            "clear_board": self.clear_board,
            "komi": self.komi,
            "play": self.play,
            "genmove": self.genmove,
            "reg_genmove": self.reg_genmove,
            "undo": self.undo,
            "showboard": self.showboard,
            "final_score": self.final_score,
            "final_status_list": self.final_status_list,
            "fixed_handicap": self.fixed_handicap,
            "place_free_handicap": self.place_free_handicap,
            "set_free_handicap": self.set_free_handicap,
            "loadsgf": self.loadsgf,
            "printsgf": self.printsgf,
            "time_settings": self.time_settings,
            "time_left": self.time_left,
            "kgs-time_settings": self.kgs_time_settings,
            "kgs-genmove_cleanup": self.kgs_genmove_cleanup,
            "kgs-game_over": lambda a: "",
            "list_stones": self.list_stones,
            "is_legal": self.is_legal,
            "lz-analyze": self.lz_analyze,
            "lz-genmove_analyze": self.lz_genmove_analyze,
            "kata-analyze": self.kata_analyze,
            "kata-genmove_analyze": self.kata_genmove_analyze,
            "analyze": self.lz_analyze,  # Sabaki's names for the same commands
            "genmove_analyze": self.lz_genmove_analyze,
            "gocnn-policy": self.policy_board,
            "gocnn-policy_gfx": self.policy_gfx,
            "gogui-analyze_commands": self.analyze_commands,
        }
        self._stream: Callable[[], str] | None = None
        self._interval = 0.0
        self._pondering: tuple[threading.Thread, threading.Event] | None = None

    # -------------------------------------------------------------- the protocol
    def execute(self, line: str) -> Response | None:
        """Run one raw input line; None for a line that is empty after preprocessing."""
        line = preprocess(line)
        if not line:
            return None
        words = line.split(" ")
        words = [w for w in words if w]
        cid = ""
        if _ID.match(words[0]):
            cid = words.pop(0)[:18]
            if not words:
                return self._reply(line, Response(cid, False, "unknown command"))
        name, args = words[0], words[1:]
        self.stop_analysis()  # any command ends a running analysis (as in Leela Zero)
        handler = self.commands.get(name)
        if handler is None:
            return self._reply(line, Response(cid, False, "unknown command"))
        self._stream, self._interval = None, 0.0
        try:
            text = handler(args)
            resp = Response(cid, True, text, quit=name == "quit", stream=self._stream,
                            interval=self._interval)
        except GtpError as exc:
            resp = Response(cid, False, str(exc))
        except RecursionError:  # pragma: no cover - a defensive net for the fuzzers
            resp = Response(cid, False, "internal error")
        except Exception as exc:  # a bug must not kill a GUI's engine; say what happened
            print(f"gocnn gtp: internal error on {line[:200]!r}: {exc!r}", file=sys.stderr)
            resp = Response(cid, False, f"internal error: {type(exc).__name__}")
        return self._reply(line, resp)

    def _reply(self, line: str, resp: Response) -> Response:
        if self.log:
            self.log(f"< {line}")
            self.log("> " + resp.format().rstrip("\n"))
        return resp

    def handle(self, line: str) -> str:
        """One line in, the complete reply out (``""`` when the line holds no command).
        Streaming commands answer with what they would stream first, then close."""
        resp = self.execute(line)
        return "" if resp is None else resp.format()

    # -------------------------------------------------------------- helpers
    def _vertex(self, word: str) -> int | None:
        return _point(word, self.board.size)

    def _gtp(self, point: int | None) -> str:
        return coords.to_gtp(coords.from_flat(point, self.board.size) if point is not None else None,
                             self.board.size)

    def _new_board(self, size: int, komi: float) -> None:
        self.board = Board(size, komi=komi)
        self._estimate_cache = None

    def _estimate(self):
        from gocnn.go.scoring import estimate

        key = (self.board.hash, len(self.board.history), self.board.to_move, self.board.komi)
        if self._estimate_cache is None or self._estimate_cache[0] != key:
            self._estimate_cache = (key, estimate(self.board, self.scoring_playouts))
        return self._estimate_cache[1]

    def _turn(self, color: int) -> None:
        """Make ``color`` the side to move (GTP lets the controller ask either colour)."""
        if self.board.to_move != color:
            self.board.to_move = color
            self.board.ko = -1  # the ko ban binds only the player who was to move

    # -------------------------------------------------------------- setup commands
    def known_command(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        return "true" if args[0] in self.commands else "false"

    def boardsize(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        if not re.fullmatch(r"[+-]?[0-9]+", args[0]):
            raise GtpError("syntax error")
        size = int(args[0])
        if not coords.MIN_SIZE <= size <= coords.MAX_SIZE or not self._plays(size):
            raise GtpError("unacceptable size")
        self._new_board(size, self.board.komi)
        return ""

    def _plays(self, size: int) -> bool:
        """Whether the player plays ``size`` with its own policy (the shipped net: 19 only).
        A size it does not play is refused rather than played with random moves."""
        try:
            return self.player.plays_size(size)
        except GocnnError as exc:  # the net cannot be loaded
            raise GtpError(str(exc).replace("\n", " ")) from None

    def clear_board(self, args: list[str]) -> str:
        self._new_board(self.board.size, self.board.komi)
        return ""

    def komi(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        self.board.komi = _float(args[0])
        return ""

    def fixed_handicap(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        n = _int(args[0])
        if any(c != EMPTY for c in self.board.colors):
            raise GtpError("board not empty")
        try:
            points = handicap_points(self.board.size, n)
        except ValueError:
            raise GtpError("invalid number of stones") from None
        self._handicap(points)
        return " ".join(self._gtp(p) for p in points)

    def place_free_handicap(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        n = _int(args[0])
        size = self.board.size
        if any(c != EMPTY for c in self.board.colors):
            raise GtpError("board not empty")
        if n < 2 or n >= size * size:
            raise GtpError("invalid number of stones")
        points = free_handicap_points(size, n)
        self._handicap(points)
        return " ".join(self._gtp(p) for p in points)

    def set_free_handicap(self, args: list[str]) -> str:
        if any(c != EMPTY for c in self.board.colors):
            raise GtpError("board not empty")
        points = []
        for word in args:
            try:
                p = self._vertex(word)
            except GtpError:
                raise GtpError("bad vertex list") from None
            if p is None or p in points:
                raise GtpError("bad vertex list")
            points.append(p)
        if len(points) < 2 or len(points) >= self.board.size ** 2:
            raise GtpError("bad vertex list")
        self._handicap(points)
        return ""

    def _handicap(self, points: list[int]) -> None:
        self.board.setup(BLACK, points)
        self.board.set_to_move(WHITE)

    def time_settings(self, args: list[str]) -> str:
        if len(args) != 3:
            raise GtpError("syntax error")
        main, byo, stones = (_int(a, 0) for a in args)
        self.clock = Clock(main, byo, stones, "canadian" if byo else "absolute")
        return ""

    def time_left(self, args: list[str]) -> str:
        if len(args) != 3:
            raise GtpError("syntax error")
        color = _color(args[0])
        self.clock.left[color] = (_int(args[1]), _int(args[2], 0))
        return ""

    def kgs_time_settings(self, args: list[str]) -> str:
        if not args:
            raise GtpError("syntax error")
        kind, rest = args[0].lower(), args[1:]
        need = {"none": 0, "absolute": 1, "byoyomi": 3, "canadian": 3}
        if kind not in need or len(rest) != need[kind]:
            raise GtpError("syntax error")
        values = [_int(a, 0) for a in rest] + [0, 0, 0]
        self.clock = Clock(values[0], values[1], values[2], kind)
        return ""

    # -------------------------------------------------------------- moves
    def play(self, args: list[str]) -> str:
        if len(args) != 2:
            raise GtpError("syntax error")
        color = _color(args[0])
        point = self._vertex(args[1])
        try:
            self.board.play(color, point)
        except IllegalMove:
            raise GtpError("illegal move") from None
        return ""

    def is_legal(self, args: list[str]) -> str:
        if len(args) != 2:
            raise GtpError("syntax error")
        color = _color(args[0])
        try:
            point = self._vertex(args[1])
        except GtpError as exc:
            if str(exc) == "illegal move":
                return "0"
            raise
        return "1" if self.board.check(color, point) is None else "0"

    def _choose(self, color: int, cleanup: bool = False) -> int | None | str:
        self._turn(color)
        if self._searches():
            return self.player.decide(self.board, cleanup=cleanup, seconds=self._budget(color)).move
        return self.player.decide(self.board, cleanup=cleanup).move

    def _searches(self) -> bool:
        return self.player.searches

    def _budget(self, color: int) -> float | None:
        """Seconds the search may take for this move: the time manager's share of the clock
        (gocnn.play.clock), capped by the player's own --time."""
        from gocnn.play.clock import TimeControl, move_budget
        c = self.clock
        tc = TimeControl(c.kind, c.main, c.byo_time, c.byo_stones)
        return move_budget(tc, c.left.get(color), self.board.size, self.board.move_number(),
                           cap=self.player.config.seconds)

    def _generate(self, args: list[str], cleanup: bool = False, play: bool = True) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        color = _color(args[0])
        try:
            move = self._choose(color, cleanup)
        except GocnnError as exc:  # e.g. a model file that cannot be loaded
            raise GtpError(str(exc).replace("\n", " ")) from None
        if move == RESIGN:
            return "resign"
        if move is not None and self.board.check(color, move) is not None:  # a player bug: pass instead
            print(f"gocnn gtp: the player chose an illegal move {move}; passing", file=sys.stderr)
            move = None
        if play:
            self.board.play(color, move)
        return self._gtp(move)

    def genmove(self, args: list[str]) -> str:
        return self._generate(args)

    def reg_genmove(self, args: list[str]) -> str:
        history = list(self.board.history)
        to_move, ko = self.board.to_move, self.board.ko
        text = self._generate(args, play=False)
        if self.board.history != history:  # pragma: no cover - defensive
            self.board.replay(history)
        self.board.to_move, self.board.ko = to_move, ko
        return text

    def kgs_genmove_cleanup(self, args: list[str]) -> str:
        return self._generate(args, cleanup=True)

    def undo(self, args: list[str]) -> str:
        if args:
            raise GtpError("syntax error")
        if not self.board.history or self.board.history[-1][0] != "move":
            raise GtpError("cannot undo")
        # back to the position right after the move before: the side to move and the ko ban
        # are that position's (Board.undo would hand the turn to the undone move's colour)
        komi = self.board.komi
        self.board.replay(self.board.history[:-1])
        self.board.komi = komi
        return ""

    # -------------------------------------------------------------- reading the board
    def showboard(self, args: list[str]) -> str:
        b = self.board
        lines = to_ascii(b).split("\n")
        lines.append(f"captures: black {b.captures[BLACK]}, white {b.captures[WHITE]}; "
                     f"komi {b.komi:g}; {'black' if b.to_move == BLACK else 'white'} to move")
        return "\n" + "\n".join(lines)

    def list_stones(self, args: list[str]) -> str:
        if len(args) != 1:
            raise GtpError("syntax error")
        color = _color(args[0])
        return " ".join(self._gtp(p) for p in self.board.stones(color))

    def final_score(self, args: list[str]) -> str:
        return self._estimate().score.result

    def final_status_list(self, args: list[str]) -> str:
        if len(args) != 1 or args[0].lower() not in ("alive", "dead", "seki"):
            raise GtpError("syntax error")
        status = args[0].lower()
        if status == "seki":
            return ""
        dead = self._estimate().dead
        lines, done = [], set()
        for p, c in enumerate(self.board.colors):
            if c == EMPTY or p in done:
                continue
            chain = self.board.chain_stones(p)
            done.update(chain)
            if (p in dead) == (status == "dead"):
                lines.append(" ".join(self._gtp(q) for q in sorted(chain)))
        return "\n".join(lines)

    # -------------------------------------------------------------- SGF
    def loadsgf(self, args: list[str]) -> str:
        if not 1 <= len(args) <= 2:
            raise GtpError("syntax error")
        upto = _int(args[1], 1) if len(args) == 2 else None
        from gocnn.go.sgf import SgfError, parse_games

        try:
            path = Path(args[0])
            if not path.is_file():  # not a device, a pipe or a directory
                raise OSError("not a regular file")
            with path.open("rb") as f:
                data = f.read(SGF_MAX_BYTES)
            rec = next(r for r in parse_games(data, args[0]) if not isinstance(r, SgfError))
        except (OSError, StopIteration, ValueError):
            raise GtpError("cannot load file") from None
        if not self._plays(rec.size):
            raise GtpError("unacceptable size")
        board = rec.board()
        board.komi = rec.komi
        moves = rec.moves if upto is None else rec.moves[: upto - 1]
        for color, point in moves:
            board.play(color, point)
        if upto is not None and upto - 1 < len(rec.moves):
            color = rec.moves[upto - 1][0]
            if board.to_move != color:
                board.set_to_move(color)
        self.board = board
        self._estimate_cache = None
        return ""

    def sgf_text(self) -> str:
        from gocnn.go.sgf import history_to_sgf

        b = self.board
        before = [(kind, color, arg) for kind, color, arg in b.history[:next(
            (i for i, h in enumerate(b.history) if h[0] == "move"), len(b.history))]]
        handicap = (sum(len(a) for kind, c, a in before if kind == "setup" and c == BLACK)
                    if any(kind == "turn" and c == WHITE for kind, c, _ in before) else 0)
        data = history_to_sgf(b.history, b.size, komi=b.komi, handicap=handicap)
        return data.decode("utf-8", "replace").strip()

    def printsgf(self, args: list[str]) -> str:
        if len(args) > 1:
            raise GtpError("syntax error")
        text = self.sgf_text()
        if args:
            try:
                Path(args[0]).write_text(text + "\n", encoding="utf-8")
            except OSError:
                raise GtpError("cannot save file") from None
            return ""
        return text

    # -------------------------------------------------------------- analysis
    def _policy_for(self, color: int, req: AnalyzeRequest | None = None) -> list[tuple[int, float]]:
        """The likeliest moves for ``color`` with their priors, best first: those above
        ANALYSIS_MIN_PRIOR (at least one), within ``req``'s minmoves/maxmoves/avoid/allow."""
        req = req or AnalyzeRequest(color)
        saved = (self.board.to_move, self.board.ko)
        self._turn(color)
        try:
            moves = self.player.top_moves(self.board, self.board.size ** 2)
        finally:
            self.board.to_move, self.board.ko = saved
        avoid, allow = req.avoid.get(color, set()), req.allow.get(color)
        moves = [(p, q) for p, q in moves if p not in avoid and (allow is None or p in allow)]
        likely = sum(q >= ANALYSIS_MIN_PRIOR for _, q in moves)
        n = max(min(likely, req.maxmoves or ANALYSIS_MOVES), req.minmoves, 1)
        return moves[:min(n, req.maxmoves or n)]

    def _info_line(self, moves: list[tuple[int, float]]) -> str:
        parts = []
        for i, (p, prior) in enumerate(moves):
            v = self._gtp(p)
            parts.append(f"info move {v} visits {max(1, round(prior * 1000))} winrate 5000 "
                         f"prior {round(prior * 10000)} order {i} pv {v}")
        return " ".join(parts)

    def lz_analyze(self, args: list[str]) -> str:
        req = parse_analyze(args, self.board.to_move, self.board.size)
        if self._searches():
            return self._search_analysis(req, kata=False)
        line = self._info_line(self._policy_for(req.color, req))
        self._stream, self._interval = (lambda: line), req.interval
        return "\n" + line if line else ""

    def lz_genmove_analyze(self, args: list[str], kata: bool = False) -> str:
        req = parse_analyze(args, self.board.to_move, self.board.size)
        color = req.color
        if self._searches():
            move = self._generate([("b" if color == BLACK else "w")], play=False)
            analysis = self.player.last_analysis
            line = self._search_line(analysis, req, kata) if analysis is not None else ""
            if move not in ("resign",):
                self.board.play(color, self._vertex(move) if move != "pass" else None)
            return "\n" + (line + "\n" if line else "") + f"play {move}"
        line = self._info_line(self._policy_for(color, req))
        move = self._generate([("b" if color == BLACK else "w")])
        return "\n" + (line + "\n" if line else "") + f"play {move}"

    def kata_analyze(self, args: list[str]) -> str:
        req = parse_analyze(args, self.board.to_move, self.board.size)
        if not self._searches():
            raise GtpError("kata-analyze needs a search player (gocnn gtp --visits N, N > 1)")
        return self._search_analysis(req, kata=True)

    def kata_genmove_analyze(self, args: list[str]) -> str:
        if not self._searches():
            raise GtpError("kata-genmove_analyze needs a search player (gocnn gtp --visits N, N > 1)")
        return self.lz_genmove_analyze(args, kata=True)

    def _search_analysis(self, req: AnalyzeRequest, kata: bool) -> str:
        """Search the position in a background thread until the next command, an info line
        every ``interval`` (one line after the player's --visits when no interval is given)."""
        board = self.board.copy()
        if board.to_move != req.color:
            board.to_move, board.ko = req.color, -1
        player = self.player
        if req.interval <= 0:
            return "\n" + self._search_line(player.analyse(board), req, kata)
        stop = threading.Event()
        worker = threading.Thread(target=player.analyse, args=(board,),
                                  kwargs={"visits": 10 ** 9, "stop": stop.is_set},
                                  daemon=True, name="gtp-analysis")
        self._pondering = (worker, stop)
        worker.start()

        def stream() -> str:
            return self._search_line(player.snapshot(board), req, kata)
        self._stream, self._interval = stream, req.interval
        return ""

    def stop_analysis(self) -> None:
        if self._pondering is not None:
            worker, stop = self._pondering
            stop.set()
            worker.join()
            self._pondering = None

    def _search_line(self, analysis, req: AnalyzeRequest, kata: bool) -> str:
        """Leela Zero's ``info move ... visits ... winrate ... prior ... lcb ... order ... pv``
        (winrate, prior and lcb in 1/10000), or KataGo's (fractions, with ``scoreLead`` and, on
        request, ``ownership``), for the mover, as Lizzie, Sabaki and KaTrain read them."""
        if analysis is None:
            return ""
        color = req.color
        avoid, allow = req.avoid.get(color, set()), req.allow.get(color)
        moves = [m for m in analysis.moves
                 if m.move is None or (m.move not in avoid and (allow is None or m.move in allow))]
        moves = moves[:max(req.maxmoves or ANALYSIS_MOVES, 1)]
        parts = []
        for i, m in enumerate(moves):
            v = self._gtp(m.move)
            pv = " ".join(self._gtp(p) for p in m.pv)
            if kata:
                lead = m.score_lead if m.score_lead is not None else (
                    analysis.score_lead if analysis.score_lead is not None else 0.0)
                parts.append(f"info move {v} visits {m.visits} utility {2 * m.winrate - 1:.6f} "
                             f"winrate {m.winrate:.6f} scoreMean {lead:.2f} scoreStdev 0 scoreLead {lead:.2f} "
                             f"scoreSelfplay {lead:.2f} prior {m.prior:.6f} lcb {max(0.0, m.lcb):.6f} "
                             f"utilityLcb {2 * max(0.0, m.lcb) - 1:.6f} order {i} pv {pv}")
            else:
                parts.append(f"info move {v} visits {m.visits} winrate {round(m.winrate * 10000)} "
                             f"prior {round(m.prior * 10000)} lcb {round(max(0.0, m.lcb) * 10000)} "
                             f"order {i} pv {pv}")
        line = " ".join(parts)
        if kata and req.flags.get("ownership") and analysis.ownership is not None:
            size = self.board.size
            sign = 1.0 if color == BLACK else -1.0
            own = [sign * float(analysis.ownership[r * size + c]) for r in range(size - 1, -1, -1)
                   for c in range(size)]
            line += " ownership " + " ".join(f"{x:.4f}" for x in own)
        return line

    def policy_board(self, args: list[str]) -> str:
        """``gocnn-policy [colour]``: the net's policy (legal moves, sums to 1) as rows of
        numbers, top row first, like the board; also GoGui's ``dboard`` analysis."""
        if len(args) > 1:
            raise GtpError("syntax error")
        color = _color(args[0]) if args else self.board.to_move
        size = self.board.size
        probs = [0.0] * (size * size)
        for p, q in self._full_policy(color):
            probs[p] = q
        rows = []
        for row in range(size - 1, -1, -1):
            rows.append(" ".join(f"{probs[row * size + col]:.4f}" for col in range(size)))
        return "\n" + "\n".join(rows)

    def _full_policy(self, color: int) -> list[tuple[int, float]]:
        saved = (self.board.to_move, self.board.ko)
        self._turn(color)
        try:
            probs = self.player.policy(self.board)
        finally:
            self.board.to_move, self.board.ko = saved
        return [(p, float(q)) for p, q in enumerate(probs)]

    def policy_gfx(self, args: list[str]) -> str:
        """GoGui ``gfx``: circles sized by the policy (in the mover's colour), percentages as
        labels, and the best move in the status line."""
        if len(args) > 1:
            raise GtpError("syntax error")
        color = _color(args[0]) if args else self.board.to_move
        moves = self._policy_for(color)
        if not moves:
            return "TEXT no legal move"
        top = moves[0][1] or 1.0
        sign = 1.0 if color == BLACK else -1.0
        influence = " ".join(f"{self._gtp(p)} {sign * q / top:.3f}" for p, q in moves)
        labels = " ".join(f"{self._gtp(p)} {round(q * 100)}" for p, q in moves if q >= 0.005)
        lines = [f"INFLUENCE {influence}"]
        if labels:
            lines.append(f"LABEL {labels}")
        lines.append(f"TEXT policy: {self._gtp(moves[0][0])} {moves[0][1]:.1%}")
        return "\n".join(lines)

    def analyze_commands(self, args: list[str]) -> str:
        return "\n".join([
            "gfx/Policy heat-map/gocnn-policy_gfx",
            "dboard/Policy board/gocnn-policy",
            "string/Policy numbers/gocnn-policy",
            "none/Score estimate/final_score",
            "plist/Dead stones/final_status_list dead",
        ])


def free_handicap_points(size: int, n: int) -> list[int]:
    """``n`` handicap points: the fixed ones where the spec has them, then the point farthest
    from every stone so far (preferring the 3rd and 4th lines), one at a time."""
    fixed: list[int] = []
    for k in range(min(n, 9), 1, -1):
        try:
            fixed = handicap_points(size, k)
            break
        except ValueError:
            continue
    points = list(fixed[:n])
    line = 2 if size < 13 else 3
    while len(points) < n:
        best, best_key = None, None
        for p in range(size * size):
            if p in points:
                continue
            r, c = divmod(p, size)
            dist = min((abs(r - q // size) + abs(c - q % size) for q in points), default=size * 2)
            edge = min(r, c, size - 1 - r, size - 1 - c)
            key = (dist, -abs(edge - line), -p)
            if best_key is None or key > best_key:
                best, best_key = p, key
        points.append(best)
    return points


# ---------------------------------------------------------------------- the loop
def _reader(stream, lines: "queue.Queue[str | None]") -> None:
    """Feed input lines to the queue; None at end of input.  Reads the raw file descriptor
    when there is one, so that this daemon thread never holds a buffered reader's lock at
    interpreter shutdown."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        fd = None
    try:
        if fd is None:
            for raw in iter(stream.readline, b""):
                lines.put(raw.decode("utf-8", "replace"))
        else:
            pending = b""
            while True:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                pending += chunk
                *complete, pending = pending.split(b"\n")
                for raw in complete:
                    lines.put(raw.decode("utf-8", "replace") + "\n")
            if pending:
                lines.put(pending.decode("utf-8", "replace"))
    except (OSError, ValueError):
        pass
    lines.put(None)


def serve(engine: GtpEngine, stdin=None, stdout=None) -> int:
    """Read commands from ``stdin`` (bytes) until ``quit`` or end of input; write replies to
    ``stdout`` (bytes), flushed after each.  ``lz-analyze`` streams until the next command."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout.buffer
    lines: "queue.Queue[str | None]" = queue.Queue()
    threading.Thread(target=_reader, args=(stdin, lines), daemon=True, name="gtp-stdin").start()

    def write(text: str) -> None:
        stdout.write(text.encode("utf-8", "replace"))
        stdout.flush()

    pending: str | None = None
    while True:
        line = pending if pending is not None else lines.get()
        pending = None
        if line is None:
            return 0
        resp = engine.execute(line)
        if resp is None:
            continue
        if resp.stream is None:
            write(resp.format())
        else:
            write(resp.format(closed=False))
            while True:  # stream until the controller sends anything
                try:
                    nxt = lines.get(timeout=resp.interval) if resp.interval > 0 else lines.get()
                except queue.Empty:
                    write(resp.stream() + "\n")
                    continue
                write("\n")
                pending = nxt
                if nxt is None:
                    return 0
                break
        if resp.quit:
            return 0


@dataclass(frozen=True)
class GtpConfig:
    """What ``gocnn gtp`` serves: the player (the net with search, the policy alone at
    ``visits=1``, or a random player) and where the log goes."""

    model: str | None = None
    symmetries: int = 1
    temperature: float = 0.0
    resign: float = 0.95
    threads: int = 1
    log: str | None = None
    random: bool = False
    visits: int = 400
    time: float | None = None
    mix: float | None = None
    batch: int = 8
    seed: int | None = None
    device: str = "cpu"


def make_player(cfg: GtpConfig):
    """The player ``cfg`` names; a file that is not a gocnn model is a GocnnError now, not at
    every genmove (only the header is read: the net loads later)."""
    if cfg.random:
        from gocnn.play.policy import RandomPlayer

        return RandomPlayer(seed=cfg.seed)
    from gocnn.model import read_metadata

    if cfg.visits > 1:
        from gocnn.play.players import SearchPlayer
        player = SearchPlayer(cfg.model, visits=cfg.visits, seconds=cfg.time, threads=cfg.threads,
                              resign_threshold=cfg.resign, symmetries=cfg.symmetries, seed=cfg.seed or 0,
                              mix=cfg.mix, batch=cfg.batch, device=cfg.device, temperature=cfg.temperature)
    else:
        from gocnn.play.policy import PolicyPlayer
        player = PolicyPlayer(cfg.model, symmetries=cfg.symmetries, temperature=cfg.temperature,
                              threads=cfg.threads, resign_threshold=cfg.resign)
    read_metadata(player.model_path)
    return player


def run_gtp(cfg: GtpConfig) -> int:
    """``gocnn gtp``: a GTP engine on stdin/stdout; logs go to stderr or ``cfg.log``.
    A missing or unreadable model file or log file is a GocnnError before the first reply."""
    player = make_player(cfg)
    try:
        log_file = open(cfg.log, "a", encoding="utf-8", buffering=1) if cfg.log else None
    except OSError as exc:
        raise GocnnError(f"cannot open the --log file {cfg.log}: {exc.strerror or exc}") from None

    def log(text: str) -> None:
        log_file.write(f"{time.strftime('%H:%M:%S')} {text}\n")

    def warm() -> None:  # load the net and compile the playouts while the GUI says hello
        try:
            player.load()
            from gocnn.go.scoring import warm_up

            warm_up()
        except Exception as exc:  # reported again, as a GTP error, by the first genmove
            print(f"gocnn gtp: {exc}", file=sys.stderr)

    warming = threading.Thread(target=warm, daemon=True, name="gtp-warm-up")
    warming.start()
    engine = GtpEngine(player, log=log if log_file else None)
    try:
        return serve(engine)
    except BrokenPipeError:
        return 0
    finally:
        # a quick quit (a GUI checking the engine) must not exit while torch or numba work in
        # the warm-up thread: the C++ runtime would abort the process (exit code 134)
        warming.join(timeout=120)
        if log_file:
            log_file.close()
