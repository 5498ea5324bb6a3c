"""A referee for two GTP engines, like gogui-twogtp.

``gocnn match --black CMD --white CMD --games N`` starts both engines once, plays N games
(colours swapped every game with ``--alternate``), and keeps its own board: a move that is
illegal (occupied, suicide, simple ko), a reply that is not a move, an engine that dies or
exceeds the per-move time limit loses that game.  A game ends by two passes in a row, a
resignation, or the move cap; it is then scored by :mod:`gocnn.go.scoring` (area, dead stones
estimated), or by ``--scorer CMD`` (any GTP engine with ``final_score``, e.g.
``gnugo --mode gtp --chinese-rules``).  Each engine's own ``final_score`` is asked too and kept
in the record.  Games go to ``--out DIR`` as SGF; the summary gives wins, win rate with a 95%
(Wilson) interval and seconds per move for each engine.
"""

from __future__ import annotations

import math
import queue
import shlex
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from gocnn.go import coords
from gocnn.go.board import BLACK, WHITE, Board, IllegalMove, opponent
from gocnn.errors import GocnnError

COLOR_WORD = {BLACK: "b", WHITE: "w"}
COLOR_LETTER = {BLACK: "B", WHITE: "W"}


class EngineError(Exception):
    """An engine that died, hung, or answered outside the protocol."""


class EngineTimeout(EngineError):
    pass


class GtpClient:
    """One GTP engine in a child process.  ``send`` returns (ok, text) of one reply."""

    def __init__(self, command: str, label: str = "engine", stderr=None, start_timeout: float = 60.0):
        self.command = command
        self.label = label
        try:
            self.proc = subprocess.Popen(shlex.split(command), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE,
                                         stderr=stderr if stderr is not None else subprocess.DEVNULL)
        except (OSError, ValueError) as exc:
            raise GocnnError(f"cannot start {label} engine {command!r}: {exc}") from exc
        self._lines: "queue.Queue[bytes | None]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True, name=f"gtp-{label}").start()
        self.name = command
        try:
            ok, name = self.send("name", timeout=start_timeout)
            if ok and name:
                self.name = name.strip()
            ok, version = self.send("version", timeout=start_timeout)
            if ok and version.strip():
                self.name += f" {version.strip()}"
        except EngineError as exc:
            self.close()
            raise GocnnError(f"{label} engine {command!r} does not answer GTP: {exc}") from exc

    def _read(self) -> None:
        for line in iter(self.proc.stdout.readline, b""):
            self._lines.put(line)
        self._lines.put(None)

    def send(self, command: str, timeout: float | None = None) -> tuple[bool, str]:
        try:
            self.proc.stdin.write(command.encode() + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError) as exc:
            raise EngineError(f"{self.label} engine is gone ({exc})") from exc
        deadline = None if timeout is None else time.monotonic() + timeout
        status, body = None, []
        while True:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                raw = self._lines.get(timeout=wait)
            except queue.Empty:
                raise EngineTimeout(f"{self.label} engine gave no answer to {command!r} "
                                    f"within {timeout:g} s") from None
            if raw is None:
                raise EngineError(f"{self.label} engine exited during {command!r}")
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if status is None:
                if not line.strip():
                    continue
                if line[0] not in "=?":
                    continue  # noise before a reply (some engines print banners)
                status = line[0] == "="
                first = line[1:]
                while first[:1].isdigit():  # an id, if any
                    first = first[1:]
                body.append(first.strip())
            elif not line.strip():
                return status, "\n".join(body).strip()
            else:
                body.append(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit", timeout=5)
            except EngineError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


# ---------------------------------------------------------------------- one game
@dataclass
class GameResult:
    number: int
    black: str  # "A" or "B": which engine played black
    white: str
    result: str  # B+3.5, W+R, B+T (time), W+F (forfeit), 0 (draw), Void
    winner: str | None  # "A", "B" or None
    reason: str
    moves: int
    score: str | None = None  # the referee's (or scorer's) score, when the game was scored
    engine_scores: dict = field(default_factory=dict)  # each engine's own final_score
    seconds: dict = field(default_factory=dict)  # engine -> seconds spent in genmove
    genmoves: dict = field(default_factory=dict)  # engine -> number of genmoves
    sgf: str | None = None
    disputed: bool = False  # scored, and the engines' own final_scores name different winners

    def dispute(self) -> bool:
        """Whether the engines' own counts name different winners (a large group that one calls
        dead and the other alive: the referee's count of such a position is only as sure as its
        dead-stone estimate, which may go either way - ``--scorer`` names an outside judge)."""
        winners = {text[:1] for text in self.engine_scores.values() if text[:2] in ("B+", "W+")}
        return len(winners) > 1


def _score_with(scorer: GtpClient, board: Board, timeout: float) -> str:
    scorer.send(f"boardsize {board.size}", timeout)
    scorer.send("clear_board", timeout)
    scorer.send(f"komi {board.komi:g}", timeout)
    placed = [(c, p) for kind, c, points in board.history if kind == "setup" for p in points]
    for color, point in placed + board.moves:  # handicap stones as moves of their own, then the game
        move = coords.to_gtp(coords.from_flat(point, board.size) if point is not None else None, board.size)
        ok, text = scorer.send(f"play {COLOR_WORD[color]} {move}", timeout)
        if not ok:
            raise EngineError(f"the scorer refused move {move}: {text}")
    ok, text = scorer.send("final_score", max(timeout, 60))
    if not ok:
        raise EngineError(f"the scorer cannot score: {text}")
    return text.split()[0] if text.split() else text


def play_game(engines: dict[int, GtpClient], labels: dict[int, str], size: int, komi: float,
              max_moves: int, move_time: float, scorer: GtpClient | None = None,
              number: int = 0, handicap: int = 0) -> tuple[GameResult, Board]:
    """One game; ``engines``/``labels`` map BLACK and WHITE to the engines and their names
    ("A"/"B").  With ``handicap`` Black starts with that many stones on the fixed points
    (GTP ``fixed_handicap``, sent to both engines) and White moves first.  Engine failures
    lose the game for that engine (never raise)."""
    board = Board(size, komi=komi)
    spent = {BLACK: 0.0, WHITE: 0.0}
    count = {BLACK: 0, WHITE: 0}

    def finish(result: str, reason: str, score: str | None = None) -> GameResult:
        winner = None
        if result.startswith("B+"):
            winner = labels[BLACK]
        elif result.startswith("W+"):
            winner = labels[WHITE]
        return GameResult(number, labels[BLACK], labels[WHITE], result, winner, reason,
                          board.move_number(), score,
                          seconds={labels[c]: round(spent[c], 4) for c in (BLACK, WHITE)},
                          genmoves={labels[c]: count[c] for c in (BLACK, WHITE)})

    failed = _set_up(engines, size, komi, move_time) or _handicap(engines, board, handicap, move_time)
    if failed:
        return finish(f"{COLOR_LETTER[opponent(failed[0])]}+F", failed[1]), board
    color = board.to_move
    while True:
        if board.move_number() >= max_moves:
            reason = f"move cap ({max_moves})"
            break
        eng, other = engines[color], engines[opponent(color)]
        opp_letter = COLOR_LETTER[opponent(color)]
        t0 = time.perf_counter()
        try:
            ok, text = eng.send(f"genmove {COLOR_WORD[color]}", timeout=move_time)
        except EngineTimeout as exc:
            return finish(f"{opp_letter}+T", str(exc)), board
        except EngineError as exc:
            return finish(f"{opp_letter}+F", str(exc)), board
        spent[color] += time.perf_counter() - t0
        count[color] += 1
        word = text.strip().lower()
        if not ok:
            return finish(f"{opp_letter}+F", f"{eng.name} failed genmove: {text}"), board
        if word == "resign":
            return finish(f"{opp_letter}+R", f"{eng.name} resigned"), board
        try:
            move = coords.from_gtp(word, size)
            point = None if move is None else coords.to_flat(move, size)
            board.play(color, point)
        except (coords.CoordError, IllegalMove) as exc:
            return finish(f"{opp_letter}+F", f"{eng.name} played {text!r}: {exc}"), board
        vertex = coords.to_gtp(move, size)
        try:
            ok, reply = other.send(f"play {COLOR_WORD[color]} {vertex}", timeout=max(move_time, 30))
        except EngineError as exc:
            return finish(f"{COLOR_LETTER[color]}+F", str(exc)), board
        if not ok:
            # the two engines disagree about the rules: nobody's fault we can prove
            return finish("Void", f"{other.name} refused {vertex}: {reply}"), board
        if board.passes >= 2:
            reason = "two passes"
            break
        color = opponent(color)

    return _scored(finish("", reason), engines, labels, board, scorer, move_time), board


def _set_up(engines: dict[int, GtpClient], size: int, komi: float, move_time: float) -> tuple[int, str] | None:
    """Board size, a clear board and komi to both engines; (the colour of the engine that
    failed, why) when one refuses or dies."""
    for color, eng in engines.items():
        try:
            for cmd in (f"boardsize {size}", "clear_board", f"komi {komi:g}"):
                ok, text = eng.send(cmd, timeout=max(move_time, 30))
                if not ok:
                    return color, f"{eng.name} refused {cmd!r}: {text}"
        except EngineError as exc:
            return color, str(exc)
    return None


def _handicap(engines: dict[int, GtpClient], board: Board, stones: int,
              move_time: float) -> tuple[int, str] | None:
    """Black's fixed handicap on the referee's board and both engines' (each must answer the
    same points); (the colour of the engine that failed, why) when one refuses or differs."""
    if not stones:
        return None
    points = board.place_handicap(stones)
    expected = {coords.to_gtp(coords.from_flat(p, board.size), board.size).lower() for p in points}
    for color, eng in engines.items():
        try:
            ok, text = eng.send(f"fixed_handicap {stones}", timeout=max(move_time, 30))
        except EngineError as exc:
            return color, str(exc)
        if not ok or set(text.lower().split()) != expected:
            return color, f"{eng.name} answered fixed_handicap {stones} with {text!r}"
    return None


def _scored(result: GameResult, engines: dict[int, GtpClient], labels: dict[int, str], board: Board,
            scorer: GtpClient | None, move_time: float) -> GameResult:
    """``result`` of a game played out, with each engine's own final_score and the score of the
    scorer (or :func:`gocnn.go.scoring.final_score`) as the result."""
    for c, eng in engines.items():
        try:
            ok, text = eng.send("final_score", timeout=max(move_time, 60))
            result.engine_scores[labels[c]] = text.strip() if ok else f"? {text.strip()}"
        except EngineError as exc:
            result.engine_scores[labels[c]] = f"? {exc}"
    if scorer is not None:
        score = _score_with(scorer, board, max(move_time, 30))
    else:
        from gocnn.go.scoring import final_score

        score = final_score(board).result
    scored = score.upper()
    result.result = scored if scored[:2] in ("B+", "W+") or scored == "0" else "Void"
    result.score = score
    result.winner = labels[BLACK] if result.result.startswith("B+") else \
        labels[WHITE] if result.result.startswith("W+") else None
    result.disputed = result.dispute()
    return result


# ---------------------------------------------------------------------- statistics
def wilson(wins: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95% Wilson score interval of a win rate."""
    if n == 0:
        return 0.0, 1.0
    p = wins / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def summarize(games: list[GameResult], names: dict[str, str]) -> dict:
    decided = [g for g in games if g.result != "Void"]
    out = {"games": len(games), "decided": len(decided), "engines": {}}
    for label in ("A", "B"):
        wins = sum(1.0 if g.winner == label else 0.5 if g.winner is None and g.result == "0" else 0.0
                   for g in decided)
        lo, hi = wilson(wins, len(decided))
        secs = sum(g.seconds.get(label, 0.0) for g in games)
        moves = sum(g.genmoves.get(label, 0) for g in games)
        out["engines"][label] = {
            "name": names[label], "wins": wins,
            "win_rate": round(wins / len(decided), 4) if decided else None,
            "ci95": [round(lo, 4), round(hi, 4)],
            "as_black": sum(1 for g in games if g.black == label),
            "sec_per_move": round(secs / moves, 4) if moves else None,
            "moves": moves,
            "disputed_wins": sum(1 for g in decided if g.disputed and g.winner == label),
        }
    out["disputed"] = sum(1 for g in decided if g.disputed)
    out["results"] = [g.result for g in games]
    return out


# ---------------------------------------------------------------------- the command
@dataclass(frozen=True)
class MatchConfig:
    """``gocnn match``'s options.  Engine A is ``black`` (it plays White in odd games with
    ``alternate``), engine B is ``white``; with ``handicap`` whoever has Black gets that many
    stones."""
    black: str
    white: str
    games: int = 1
    size: int = 19
    komi: float = 7.5
    alternate: bool = False
    max_moves: int | None = None  # None: 3 x points
    move_time: float = 60.0       # seconds allowed per move
    scorer: str | None = None     # a GTP engine that scores (final_score)
    out: str | Path | None = None  # each game as SGF here
    handicap: int = 0


def _check(cfg: MatchConfig) -> None:
    coords.check_size(cfg.size)
    if cfg.handicap:
        from gocnn.go.board import handicap_points
        try:
            handicap_points(cfg.size, cfg.handicap)
        except ValueError as exc:
            raise GocnnError(f"--handicap: {exc}") from None
    if cfg.games < 1:
        raise GocnnError("--games must be at least 1")


def _write_sgf(path: Path, cfg: MatchConfig, board: Board, result: GameResult, black: str, white: str) -> None:
    from gocnn.go.board import handicap_points
    from gocnn.go.sgf import game_to_sgf

    setup = [(BLACK, handicap_points(cfg.size, cfg.handicap))] if cfg.handicap else []
    path.write_bytes(game_to_sgf(cfg.size, board.moves, komi=cfg.komi, result=result.result,
                                 black=black, white=white, comment=result.reason, setup=setup,
                                 handicap=cfg.handicap, first_player=WHITE if cfg.handicap else None))


def run_match(cfg: MatchConfig, progress=None) -> tuple[list[GameResult], dict]:
    """Play the match; return every game and the summary.  ``progress(result)`` is called as
    each game ends."""
    _check(cfg)
    max_moves = cfg.max_moves or 3 * cfg.size * cfg.size
    out_dir = Path(cfg.out) if cfg.out else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    commands = {"A": cfg.black, "B": cfg.white}
    clients: dict[str, GtpClient] = {}
    scorer_client = None
    results: list[GameResult] = []
    try:
        for label in ("A", "B"):
            clients[label] = GtpClient(commands[label], label)
        names = {label: clients[label].name for label in clients}
        if cfg.scorer:
            scorer_client = GtpClient(cfg.scorer, "scorer")
        for g in range(cfg.games):
            swap = cfg.alternate and g % 2 == 1
            labels = {BLACK: "B" if swap else "A", WHITE: "A" if swap else "B"}
            for label in ("A", "B"):  # an engine that died or hung last game is started afresh
                if clients[label].proc.poll() is not None or getattr(clients[label], "_stale", False):
                    clients[label].close()
                    clients[label] = GtpClient(commands[label], label)
            engines = {c: clients[labels[c]] for c in (BLACK, WHITE)}
            result, board = play_game(engines, labels, cfg.size, cfg.komi, max_moves, cfg.move_time,
                                      scorer_client, number=g + 1, handicap=cfg.handicap)
            if result.result.endswith("+T") or result.result.endswith("+F"):
                for label in ("A", "B"):
                    clients[label]._stale = True
            if out_dir:
                path = out_dir / f"game-{g + 1:04d}.sgf"
                _write_sgf(path, cfg, board, result, names[labels[BLACK]], names[labels[WHITE]])
                result.sgf = str(path)
            results.append(result)
            if progress:
                progress(result)
        return results, summarize(results, names)
    finally:
        for client in list(clients.values()) + ([scorer_client] if scorer_client else []):
            client.close()
