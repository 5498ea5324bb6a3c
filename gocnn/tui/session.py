"""One game as the terminal UI plays and reviews it, in plain Python (no Textual, no net).

A :class:`GameSession` holds the game line (the whole history, which review steps through),
the position shown, whose colour is whose, the names, the clocks and the result.  Its methods
are the game's rules-level changes: play, pass, undo, resign, run out of time, review, play on
from a move, score after the passes, mark chains dead, save.  It never calls the player and
never draws: the app (:mod:`gocnn.tui.app`) asks the player in worker threads, hands the
answers to the session and renders what the session holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gocnn.go.board import BLACK, COLOR_NAMES, WHITE, Board, opponent
from gocnn.tui.sgfio import OpenedGame, save_sgf
from gocnn.tui.winrate import Drop, drops

LETTER = {BLACK: "B", WHITE: "W"}


def replay_positions(line: list[tuple], size: int, komi: float):
    """``(moves, board)`` for every position of a game line, from its start (setup stones
    included) to its end: one replay, a copy of the board each."""
    board = Board(size, komi=komi)
    entries = list(line)
    first = next((i for i, e in enumerate(entries) if e[0] == "move"), len(entries))
    board.replay(entries[:first])
    yield 0, board.copy()
    moves = 0
    for kind, color, arg in entries[first:]:
        if kind != "move":  # a change of turn between moves: replayed as the line has it
            board.replay([*board.history, (kind, color, arg)])
            continue
        board.play(color, arg)
        moves += 1
        yield moves, board.copy()


def default_komi(handicap: int) -> float:
    return 0.5 if handicap else 7.5


@dataclass(frozen=True)
class GameSettings:
    size: int = 19
    color: str = "black"  # black | white | random (the side the human plays)
    handicap: int = 0
    komi: float | None = None  # None: 7.5, or 0.5 with handicap


class GameSession:
    """A game against the net, or a record under review.  See the module docstring.

    ``review`` is the number of moves shown while reviewing, None while playing.  ``result``
    is None while the game goes on, ``"?"`` while the dead stones are being estimated, then
    e.g. ``"B+3.5"``, ``"W+R"`` or ``"B+T"``."""

    def __init__(self, settings: GameSettings = GameSettings(), *, human: int = BLACK,
                 engine_name: str = "gocnn", main_time: float | None = None):
        komi = settings.komi if settings.komi is not None else default_komi(settings.handicap)
        self.settings = settings
        self.main_time = main_time  # minutes per side, or None
        self.board = Board(settings.size, komi=komi)
        if settings.handicap:
            self.board.place_handicap(settings.handicap)
        self.line: list[tuple] = list(self.board.history)  # the whole game; review steps through it
        self.human = human
        self.names = {human: "You", opponent(human): engine_name}
        self.vs_net = True  # False while the names are a record's PB/PW
        self.review: int | None = None
        self.review_from_play = False
        self.winrates: dict[int, float] = {}  # move number -> Black's chance after it (0: the start)
        self.dirty = False  # moves that are not saved
        self.clock: dict[int, float] | None = None
        self.reset_clock()
        self.clear_result()

    @classmethod
    def from_record(cls, rec: OpenedGame, color: str = "black") -> "GameSession":
        """A record opened for review, shown at its start (``color``: the side the human would
        choose for a new game, kept in the settings)."""
        session = cls(GameSettings(rec.size, color, 0, rec.komi))  # the record has its own stones
        session.settings = GameSettings(rec.size, color, rec.handicap, rec.komi)
        session.line = list(rec.history)
        session.names = {BLACK: rec.black or "Black", WHITE: rec.white or "White"}
        session.vs_net = False
        session.clock = None
        session.result = rec.result or None
        session.result_note = "from the record" if rec.result else ""
        session.set_review(0)
        return session

    # ------------------------------------------------------------------ what it is
    @property
    def engine_color(self) -> int:
        return opponent(self.human)

    @property
    def playing(self) -> bool:
        """A game in progress, shown at its current move (not reviewing, not over)."""
        return self.review is None and self.result is None

    @property
    def total_moves(self) -> int:
        return len(self._move_entries())

    def _move_entries(self) -> list[int]:
        return [i for i, e in enumerate(self.line) if e[0] == "move"]

    def position_after(self, moves: int) -> Board:
        """The position after the first ``moves`` moves of the game line."""
        idx = self._move_entries()
        if moves <= 0:
            prefix = self.line[: idx[0]] if idx else self.line
        else:
            prefix = self.line[: idx[min(moves, len(idx)) - 1] + 1]
        board = Board(self.board.size, komi=self.board.komi)
        board.replay(prefix)
        return board

    def movers(self) -> list[tuple[int, int | None]]:
        """(colour, point) of every move of the game line."""
        return [(c, p) for kind, c, p in self.line if kind == "move"]

    # ------------------------------------------------------------------ win rates
    def note_winrate(self, history: list[tuple], black: float) -> bool:
        """Black's chance at the position ``history`` leads to, if that position is on the game
        line and has none yet: the graph keeps what was found when the move was played or the
        review computed it, so stepping through a game never redraws it (False: dropped, an
        answer about a line taken back or replaced, or a position already known)."""
        n = len(history)
        if len(self.line) < n or self.line[:n] != list(history):
            return False
        moves = sum(1 for e in history if e[0] == "move")
        if moves in self.winrates:
            return False
        self.winrates[moves] = float(black)
        return True

    def missing_winrates(self) -> list[int]:
        """The move numbers (0 = the start) of the line's positions without a win rate yet."""
        return [i for i in range(self.total_moves + 1) if i not in self.winrates]

    def biggest_drops(self, k: int = 5) -> list[Drop]:
        """The ``k`` moves after which the mover's chance fell most (see winrate.drops)."""
        return drops(self.winrates, self.movers(), k)

    def _trim_winrates(self) -> None:
        total = self.total_moves
        self.winrates = {i: v for i, v in self.winrates.items() if i <= total}

    def set_engine_name(self, name: str) -> None:
        """The net's name, once it has loaded (a record keeps its PB/PW)."""
        if self.vs_net:
            self.names[self.engine_color] = name

    # ------------------------------------------------------------------ moves
    def refusal(self) -> str | None:
        """Why the human may not move now, or None."""
        if self.review is not None:
            return "Reviewing: press c to play on from this move, r to go back to the game."
        if self.result is not None:
            return f"The game is over ({self.result}): n starts a new one, u takes moves back."
        if self.board.to_move != self.human:
            return "Wait for the net's move."
        return None

    def play(self, color: int, point: int | None) -> str | None:
        """Play a move on the game line (raises IllegalMove).  Returns why the game is now over
        and waits for :meth:`begin_scoring` (two passes in a row, one by each side or two of the
        human's: the net may play on after a pass), else None."""
        mine_before = [p for kind, c, p in self.board.history if kind == "move" and c == self.human]
        self.board.play(color, point)
        self.line = list(self.board.history)
        self.dirty = True
        if self.board.passes >= 2:
            return "Two passes"
        if color == self.human and point is None and mine_before and mine_before[-1] is None:
            return "You passed twice in a row"
        return None

    def undo(self, net_thinking: bool = False) -> bool:
        """Take back the human's last move and the net's reply to it (only the human's move
        while the net is still ``net_thinking`` about it).  False: nothing to take back."""
        colors = [c for kind, c, _ in self.board.history if kind == "move"]
        if not colors:
            return False
        if net_thinking:
            self._undo_one()
        else:
            if colors[-1] == self.engine_color:
                self._undo_one()
                colors.pop()
            if colors and colors[-1] == self.human:
                self._undo_one()
        self.clear_result()
        self.line = list(self.board.history)
        self._trim_winrates()
        return True

    def _undo_one(self) -> None:
        if self.board.history and self.board.history[-1][0] == "move":
            self.board.undo()

    # ------------------------------------------------------------------ the end
    def clear_result(self) -> None:
        self.result: str | None = None
        self.result_note = ""
        self.dead: set[int] = set()
        self.owner: list[int] | None = None
        self.scored_by_passes = False

    def end(self, result: str, note: str) -> None:
        """Resignation, time: the result is known."""
        self.result, self.result_note = result, note
        self.dirty = True

    def resign(self, color: int) -> None:
        who = "you" if color == self.human else f"{COLOR_NAMES[color]} ({self.names[color]})"
        self.end(f"{LETTER[opponent(color)]}+R", f"{who} resigned")

    def begin_scoring(self) -> None:
        """The game ended by passes: the result waits for the dead-stone estimate."""
        self.result = "?"
        self.scored_by_passes = True
        self.result_note = "counting: estimating the dead stones..."

    def scored(self, dead, score, owner) -> None:
        """The estimate came back (:func:`gocnn.tui.analysis.final_score`)."""
        self.dead, self.owner = set(dead), owner
        self.result = score.result
        self.result_note = "area score, dead stones estimated"

    def toggle_dead(self, point: int) -> bool:
        """After the passes: the chain at ``point`` is dead if it was alive, alive if it was dead;
        the score is counted again.  False: no stone there."""
        chain = self.board.chain_stones(point)
        if not chain:
            return False
        if point in self.dead:
            self.dead.difference_update(chain)
        else:
            self.dead.update(chain)
        self.owner = self.board.area(self.dead)[2]
        self.result = self.board.score(self.dead).result
        self.result_note = "area score, dead stones estimated and adjusted"
        return True

    # ------------------------------------------------------------------ clocks
    def reset_clock(self) -> None:
        self.clock = None if not self.main_time else {BLACK: self.main_time * 60.0, WHITE: self.main_time * 60.0}

    def tick(self, elapsed: float) -> bool:
        """``elapsed`` seconds went by on the clock of the side to move.  True when it ran out
        (the game is then lost on time)."""
        if self.clock is None or not self.playing:
            return False
        color = self.board.to_move
        self.clock[color] = max(0.0, self.clock[color] - elapsed)
        if self.clock[color] > 0.0:
            return False
        self.end(f"{LETTER[opponent(color)]}+T", f"{COLOR_NAMES[color]} ran out of time")
        return True

    # ------------------------------------------------------------------ review
    def set_review(self, moves: int) -> None:
        self.review = max(0, min(self.total_moves, moves))
        self.board = self.position_after(self.review)

    def enter_review(self) -> None:
        self.review_from_play = self.result is None
        self.set_review(self.board.move_number())

    def leave_review(self) -> None:
        """Back to the game as it stands (a record: the human takes the side to move)."""
        self.review = None
        self.board = Board(self.board.size, komi=self.board.komi)
        self.board.replay(self.line)
        if not self.review_from_play and self.result is None:
            self.human = self.board.to_move

    @property
    def later_moves(self) -> int:
        """Moves after the one shown in review: what playing on from here drops."""
        return 0 if self.review is None else self.total_moves - self.review

    def continue_here(self, engine_name: str) -> int:
        """Play on against the net from the move shown; the human takes the side to move.
        Returns the move number played on from."""
        shown = self.review or 0
        self.board = self.position_after(shown)
        self.review = None
        self.line = list(self.board.history)
        self._trim_winrates()
        self.clear_result()
        self.human = self.board.to_move
        self.names = {self.human: "You", self.engine_color: engine_name}
        self.vs_net = True
        self.dirty = True
        self.reset_clock()
        return shown

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path) -> Path:
        """Write the game line as SGF (raises OSError)."""
        written = save_sgf(path, self.line, self.board.size, self.board.komi,
                           black=self.names[BLACK], white=self.names[WHITE],
                           result=self.result or "", handicap=self.settings.handicap)
        self.dirty = False
        return written
