"""The gocnn terminal UI: play the net, see what it thinks, review games.

The game itself - the board, the game line that review steps through, whose colour is whose,
the clocks and the result - is a :class:`~gocnn.tui.session.GameSession`, plain Python with
its own tests.  :class:`GoApp` renders it: every change of the game bumps the reactive
``version``, whose watcher redraws and asks the net what comes next.  Widgets only draw what
the app hands them (:class:`~gocnn.tui.board_view.BoardState`, text) and post messages (a
clicked point).  The player - the net, or any object with the :class:`gocnn.play.policy.Player`
protocol - is only called from worker threads, so the UI never waits for it.
"""

from __future__ import annotations

import datetime as _dt
import random
import threading
import time
from pathlib import Path

import numpy as np
from rich.text import Text
from textual import work
from textual.worker import get_current_worker
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Static

from gocnn.go import coords
from gocnn.go.board import BLACK, COLOR_NAMES, WHITE, Board, IllegalMove
from gocnn.play.policy import RESIGN
from gocnn.tui import analysis
from gocnn.tui.board_view import DEAD, STONE, BoardState, BoardView, _fit, board_dims
from gocnn.tui.screens import ChooseGameScreen, ConfirmScreen, HelpScreen, NewGameScreen, PathScreen
from gocnn.tui.session import LETTER, GameSession, GameSettings
from gocnn.tui.sgfio import OpenedGame, archive_games, is_archive, load_sgf, parse_sgf
from gocnn.tui.winrate import PositionView, view_after, view_of_analysis
from gocnn.tui.winrate_view import WinrateState, WinrateView

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SIDE_W = 34  # the side panel's width (gocnn.tcss)
PV_SHOWN = 10  # moves of a principal variation drawn on the board
PANEL_BELOW_MIN = 8  # rows the side panel needs to move below the board


class _Abandoned(Exception):
    """A worker gave up waiting for the player (cancelled, or the app is closing)."""


class GoApp(App):
    """Play Go against a :class:`~gocnn.play.policy.Player` and review games.

    ``player`` is used as it is (tests pass a deterministic one); otherwise ``player_factory``
    (``() -> (player, notice or None)``) is called in a worker thread after the first screen
    is up, so importing torch and loading the net never delay start-up."""

    CSS_PATH = "gocnn.tcss"
    TITLE = "gocnn"
    version = reactive(0, init=False)  # bumped by every change of the game; the watcher redraws
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("left,h", "left", "Back", show=False),
        Binding("right,l", "right", "Forward", show=False),
        Binding("up,k", "up", "Up", show=False),
        Binding("down,j", "down", "Down", show=False),
        Binding("home", "first", "Start", show=False),
        Binding("end", "last", "End", show=False),
        Binding("enter,space", "place", "Play", show=False),
        Binding("p", "pass_move", "Pass"),
        Binding("u", "undo", "Undo"),
        Binding("t", "hint", "Hint"),
        Binding("m", "heatmap", "Heat"),
        Binding("v", "pv", "PV"),
        Binding("plus,equals_sign", "stronger", "Stronger", show=False),
        Binding("minus", "weaker", "Weaker", show=False),
        Binding("d", "next_drop", "Next drop", show=False),
        Binding("c", "continue_here", "Play from here"),
        Binding("r", "review", "Review"),
        Binding("n", "new_game", "New"),
        Binding("s", "save", "Save"),
        Binding("o", "open", "Open"),
        Binding("R", "resign", "Resign", show=False),
        Binding("question_mark,f1", "help", "Help"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False),
        Binding("q", "quit_game", "Quit"),
    ]

    def __init__(self, player=None, *, player_factory=None, size: int = 19, color: str = "black",
                 handicap: int = 0, komi: float | None = None, main_time: float | None = None,
                 sgf_path: str | None = None, record: OpenedGame | None = None,
                 on_ready=None, seed: int | None = None, visits: int | None = None):
        super().__init__()
        self._rng = random.Random(seed)
        self.main_time = main_time  # minutes per side, or None
        self.game = GameSession(GameSettings(size, color, handicap, komi), main_time=main_time)
        self._archive = sgf_path if record is None and sgf_path and is_archive(sgf_path) else None
        if record is None and sgf_path and not self._archive:
            record = load_sgf(sgf_path)
        self._record = record
        self.sgf_path = None if self._archive else sgf_path
        self._on_ready = on_ready  # called with "screen" (first screen drawn), then "net" (net loaded)
        # the player and what guards it
        self.player = player
        self._player_factory = player_factory
        self._player_ready = threading.Event()
        self._player_lock = threading.Lock()
        if player is not None:
            self._player_ready.set()
        self.player_notice: str | None = None  # why the player is not the net (a random player)
        self._plays_size: dict[int, bool] = {}
        # the strength: visits a move of the net's search (1: the policy alone)
        self.visits = visits or analysis.player_visits(player) or analysis.DEFAULT_VISITS
        # what the screen adds to the game
        self.cursor = 0
        self.show_heat = False
        self.show_pv = False
        self.hover: int | None = None  # the point under the mouse (its variation, with v)
        self.hint: int | None = None
        self._clock_at = time.monotonic()
        # the net's thinking
        self.thinking = False
        self._generation = 0
        self._policies: dict[tuple, np.ndarray] = {}
        self._views: dict[tuple, PositionView] = {}  # what the search or the net says of a position
        self._review_progress = ""
        self._filling: tuple | None = None  # the line the review's win rates are computed for
        self._spin = 0
        self._status = Text("")
        self._status_rows = 1
        self._status_at = 0  # the version a status message was said at; it expires with it

    # the game as the screen and the tests read it
    board = property(lambda self: self.game.board)
    review = property(lambda self: self.game.review)
    result = property(lambda self: self.game.result)
    human = property(lambda self: self.game.human)
    names = property(lambda self: self.game.names)
    dead = property(lambda self: self.game.dead)
    dirty = property(lambda self: self.game.dirty)
    clock = property(lambda self: self.game.clock)
    settings = property(lambda self: self.game.settings)
    scored_by_passes = property(lambda self: self.game.scored_by_passes)
    total_moves = property(lambda self: self.game.total_moves)
    engine_color = property(lambda self: self.game.engine_color)
    playing = property(lambda self: self.game.playing)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield BoardView(id="board")
            with Vertical(id="side"):
                yield Static(id="info")
                yield WinrateView(id="winrate")
                yield Static(id="candidates")
                yield Static(id="notes")
        yield Static(id="summary")
        yield Static(id="status")
        yield Footer(compact=True)

    def on_resize(self, event) -> None:
        self.call_after_refresh(self._layout)

    def _layout(self) -> None:
        """Fit the screen to the terminal: the side panel beside the board, below it, or folded
        into a one-line summary; the footer and a second status line go before the board does.
        If even the smallest board does not fit, the board says what terminal size it needs."""
        if not self.is_mounted:
            return
        try:
            main, side, summary = self.query_one("#main"), self.query_one("#side"), self.query_one("#summary")
            status, view, footer = self.query_one("#status"), self.query_one(BoardView), self.query_one(Footer)
        except Exception:
            return
        width, height = self.size.width, self.size.height
        n = self.board.size
        full_w, full_h = board_dims(n, 1)
        small_w, small_h = board_dims(n, 1, compact=True)
        beside = width - SIDE_W >= full_w
        status_rows = min(2, self._rows(self._status_line(), width - 2))
        summary_rows = 0 if beside else min(3, self._rows(self._summary_text(), width - 2))
        rows = height - status_rows - 1 - summary_rows
        below = not beside and rows - full_h >= PANEL_BELOW_MIN
        if below:
            rows += summary_rows
            summary_rows = 0
        show_footer = True
        if rows < small_h:
            show_footer, rows = False, rows + 1
        if rows < small_h and status_rows == 2:
            status_rows, rows = 1, rows + 1
        main.set_class(below, "below")
        side.display = beside or below
        summary.display = summary_rows > 0
        summary.styles.height = max(1, summary_rows)
        status.styles.height = status_rows
        footer.display = show_footer
        view.styles.height = _fit(n, width, rows - PANEL_BELOW_MIN).height if below else "1fr"
        view.too_small = (f"The {n}x{n} board needs a terminal of at least {small_w}x{small_h + 2}; "
                          f"this one is {width}x{height}. Enlarge it or use a smaller font"
                          + (", or press n for a smaller board." if n > 9 else "."))
        if not beside:
            summary.update(self._summary_text())

    def on_mount(self) -> None:
        self._spinner = self.set_interval(0.1, self._tick_spinner, pause=True)
        self.set_interval(0.25, self._tick_clock)
        if self._record is not None:
            self._open_record(self._record)
        else:
            self.start_game(self.settings)
        if self._archive:
            self.open_path(self._archive)  # the list of its games
        self.call_after_refresh(self._first_screen)

    def _first_screen(self) -> None:
        if self._on_ready is not None:
            self._on_ready("screen")
        if self.player is None:
            # only now: importing torch in a thread would hold the GIL while the screen is drawn
            self._load_player()
        elif self._on_ready is not None:
            self._on_ready("net")

    @work(thread=True, group="load", exit_on_error=False)
    def _load_player(self) -> None:
        factory = self._player_factory or (lambda: analysis.load_player(None))
        try:
            player, notice = factory()
        except Exception as exc:  # pragma: no cover - load_player catches its own
            from gocnn.play.policy import RandomPlayer
            player, notice = RandomPlayer(), f"no net ({exc}): playing random moves"
        if analysis.searches(player) and analysis.player_visits(player) != self.visits:
            player = analysis.with_visits(player, self.visits)  # changed with + or - while it loaded
        self.player = player
        self._player_ready.set()
        self._from_thread(self._player_loaded, notice)
        analysis.warm_up_scoring()  # now, not when the net first answers a pass (numba)

    def _player_loaded(self, notice: str | None) -> None:
        self.game.set_engine_name(self._engine_name())  # a record's PB/PW stay as they are
        if notice:
            self.player_notice = notice  # shown for as long as it holds, not one move
            self.set_status(notice, error=True)
        self._refresh()
        self._fill_winrates()  # a game opened for review while the net loaded
        if self._on_ready is not None:
            self._on_ready("net")

    def net_notice(self) -> str | None:
        """What the player cannot do that the screen must say for as long as it holds: it is
        not the net, or the net has no policy of its own on this board size
        (``player.plays_size``).  None when the net plays this size."""
        if self.player_notice:
            return self.player_notice
        if not self._player_ready.is_set() or self.player is None:
            return None
        size = self.board.size
        net = getattr(self.player, "evaluator", None)  # asked directly: the player may be searching
        if size not in self._plays_size:
            plays = getattr(net, "plays_size", None) or getattr(self.player, "plays_size", None)
            try:
                self._plays_size[size] = bool(plays(size)) if callable(plays) else True
            except Exception:
                self._plays_size[size] = True
        if self._plays_size[size]:
            return None
        trained = getattr(getattr(net if net is not None else self.player, "config", None), "board_size", None)
        what = f"this net was trained for {trained}x{trained} only" if trained else \
            f"this net was not trained for {size}x{size}"
        return f"{what}; on {size}x{size} it plays from a uniform policy"

    def _engine_name(self) -> str:
        name = getattr(self.player, "name", None) if self.player is not None else None
        if not name or name == "gocnn":
            return "gocnn net" if name else "gocnn"
        return f"gocnn ({name})"

    # ------------------------------------------------------------------ game state changes
    def start_game(self, settings: GameSettings) -> None:
        self._cancel_thinking()
        color = settings.color if settings.color != "random" else self._rng.choice(["black", "white"])
        human = BLACK if color == "black" else WHITE
        self._new_game(GameSession(settings, human=human, engine_name=self._engine_name(),
                                   main_time=self.main_time))
        self.sgf_path = None
        handicap = f", {settings.handicap} handicap stones" if settings.handicap else ""
        self.set_status(f"New game {settings.size}x{settings.size}{handicap}, komi {self.board.komi:g}: "
                        f"you play {COLOR_NAMES[self.human]}.")
        self._after_change()

    def _new_game(self, game: GameSession) -> None:
        self._generation += 1  # late answers about the old game are dropped
        self.game = game
        self._stop_filling()
        self.hint = None
        self.cursor = self._center()
        self._clock_at = time.monotonic()

    def _center(self) -> int:
        return (self.board.size // 2) * self.board.size + self.board.size // 2

    def _open_record(self, rec: OpenedGame) -> None:
        self._cancel_thinking()
        self._new_game(GameSession.from_record(rec, self.settings.color))
        message = (f"Opened a {rec.size}x{rec.size} game of {self.total_moves} moves: "
                   "review with left/right, c to play on.")
        self._after_change()
        if rec.problems:
            self.set_status(message + " " + rec.problems[0], error=True)
        else:
            self.set_status(message)

    def _play(self, color: int, point: int | None) -> None:
        """Play a checked move on the game line and carry on (end of game, the net's turn)."""
        before = self._views.get(self._key(self.board))
        ended = self.game.play(color, point)
        if before is not None and before.moves and self._key(self.board) not in self._views:
            after = view_after(before, point, self.board)  # the move's value in the search before it
            if after is not None:
                self._note_view(self.board, after)
        self.hint = None
        if point is not None and color == self.human:
            self.cursor = point
        if ended:
            self._end_by_passes(ended)
        self._after_change()

    def _end_by_passes(self, why: str) -> None:
        self._cancel_thinking()
        self.game.begin_scoring()
        self.set_status(f"{why}: the game is over; counting...")
        self._score(self._generation, self.board.copy())

    @work(thread=True, exclusive=True, group="score", exit_on_error=False)
    def _score(self, generation: int, board: Board) -> None:
        dead, score, owner = analysis.final_score(board)
        self._from_thread(self._scored, generation, dead, score, owner)

    def _scored(self, generation: int, dead, score, owner) -> None:
        if generation != self._generation or not self.scored_by_passes:
            return
        self.game.scored(dead, score, owner)
        black, white, _ = self.board.area(self.dead)
        self.set_status(f"Game over: {self.result} (area B {black}, W {white} + komi {self.board.komi:g}; "
                        f"dead stones marked {DEAD[BLACK]} {DEAD[WHITE]}: click a chain to change it).")
        self._refresh()

    def _ended(self) -> None:
        """The game ended by resignation or time."""
        self._cancel_thinking()
        self.set_status(f"Game over: {self.result} ({self.game.result_note}).")
        self._after_change()

    def _after_change(self) -> None:
        self.version += 1

    def watch_version(self) -> None:
        if self._filling is not None and self._filling != tuple(self.game.line):
            self._stop_filling()  # the game line changed (played on, undone, another game)
        self._refresh()
        self._request_analysis()
        self._maybe_engine_turn()

    # ------------------------------------------------------------------ the net's moves
    def _maybe_engine_turn(self) -> None:
        if not self.playing or self.thinking or self.board.to_move != self.engine_color:
            return
        self.thinking = True
        self._generation += 1
        self._spinner.resume()
        self._think(self._generation, self.board.copy())
        self._refresh_status()

    def _cancel_thinking(self) -> None:
        if self.thinking:
            self._generation += 1  # the reply of the running worker will be dropped
            self.workers.cancel_group(self, "engine")  # and its search stops
            self.thinking = False
            self._spinner.pause()
            self._refresh_status()

    def _call_player(self, ask, board: Board):
        """``ask(player, board)`` from a worker thread, once the player has loaded.  Raises
        _Abandoned if the worker is cancelled meanwhile (a newer request, or the app closing)."""
        worker = get_current_worker()
        while not self._player_ready.wait(0.05):
            if worker.is_cancelled:
                raise _Abandoned
        with self._player_lock:
            return ask(self.player, board)

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def _think(self, generation: int, board: Board) -> None:
        worker = get_current_worker()
        stop = lambda: worker.is_cancelled  # noqa: E731 - undo, a new game or quitting: stop searching
        try:
            move, found = self._call_player(lambda p, b: analysis.engine_move(p, b, stop=stop), board)
            error = None
            if stop():
                return
        except _Abandoned:
            return
        except Exception as exc:
            move, found, error = None, None, f"the net failed ({exc}); it passes"
        self._from_thread(self._engine_replied, generation, move, error, board, found)

    class Reply(Message):
        """A worker's answer, handed to ``callback`` on the app's thread."""

        def __init__(self, callback, args: tuple) -> None:
            self.callback, self.args = callback, args
            super().__init__()

    def _from_thread(self, callback, *args) -> None:
        """Hand a worker's result to the UI thread.  post_message is thread-safe and, unlike
        call_from_thread, never waits, so a worker finishing after the app has closed
        (the net still loading when you quit) does not hang."""
        self.post_message(self.Reply(callback, args))

    def on_go_app_reply(self, message: "GoApp.Reply") -> None:
        message.callback(*message.args)

    def _engine_replied(self, generation: int, move, error: str | None, board: Board | None = None,
                        found=None) -> None:
        if generation != self._generation or not self.playing:
            return
        self.thinking = False
        self._spinner.pause()
        color = self.engine_color
        if found is not None and board is not None:
            self._note_view(board, view_of_analysis(found, board))
            if move != RESIGN:
                after = board.copy()
                try:
                    after.play(color, move)
                    view = view_after(found, move, after)
                except IllegalMove:
                    view = None
                if view is not None:
                    self._note_view(after, view)
        if move == RESIGN:
            self.game.resign(color)
            self._ended()
            return
        try:
            self._play(color, move)
        except IllegalMove as exc:
            self._play(color, None)
            error = f"the net chose an illegal move ({exc.reason}); it passes"
        if error:
            self.set_status(error, error=True)
        elif self.result is None:
            self.set_status(f"{self.names[color]} played {self._gtp(move)}.")

    # ------------------------------------------------------------------ the net's view
    def _key(self, board: Board) -> tuple:
        return (board.size, tuple(board.history))

    def _boards_to_analyse(self) -> list[Board]:
        boards = [self.board]
        if self.review:
            boards.append(self.game.position_after(self.review - 1))
        return boards

    def _request_analysis(self) -> None:
        todo = [b.copy() for b in self._boards_to_analyse() if self._key(b) not in self._policies]
        board = self.board.copy() if self._wants_view() else None
        if todo or board is not None:
            self._analyse(todo, board)
        self._fill_winrates()

    def _wants_view(self) -> bool:
        """Whether the position shown needs the search's (or the net's) view: on your turn and in
        review (on the net's turn its own search gives it); once for each position and strength."""
        if self.review is None and (self.result is not None or self.board.to_move != self.human):
            return False
        view = self._views.get(self._key(self.board))
        if view is None:
            return True
        # a move's value from the search before it: search the position itself, when it searches
        return not view.moves and self.visits > 1 and analysis.searches(self.player)

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def _analyse(self, boards: list[Board], view_board: Board | None = None) -> None:
        worker = get_current_worker()
        results = []
        for board in boards:
            try:
                probs = self._call_player(analysis.policy_vector, board)
            except _Abandoned:
                return
            except Exception:
                probs = np.zeros(board.size * board.size)
            results.append((self._key(board), probs))
        if results:
            self._from_thread(self._analysed, results)
        if view_board is None:
            return
        try:
            view = self._call_player(lambda p, b: analysis.position_view(p, b, stop=lambda: worker.is_cancelled),
                                     view_board)
        except _Abandoned:
            return
        except Exception as exc:
            view = PositionView(None, note=f"the net failed ({exc})")
        if view is not None and not worker.is_cancelled:
            self._from_thread(self._viewed, view_board, view)

    def _viewed(self, board: Board, view: PositionView) -> None:
        # in review the graph is the review's own computation, one source for every position
        self._note_view(board, view, graph=self.review is None)
        self._refresh()

    def _note_view(self, board: Board, view: PositionView, graph: bool = True) -> None:
        """Keep what was found about ``board``; its win rate goes on the game's graph."""
        if len(self._views) > 5000:
            self._views.clear()
        self._views[self._key(board)] = view
        if graph and view.black is not None:
            self.game.note_winrate(board.history, view.black)

    # ------------------------------------------------------------------ review's win rates
    def _fill_winrates(self) -> None:
        """In review: the win rate of every position of the game without one, in a worker, in
        order, with progress in the panel (the net's value, or a small search)."""
        if self.review is None or not self._player_ready.is_set():
            return
        if getattr(self.player, "evaluator", None) is None or not analysis.plays_size(self.player, self.board.size):
            return
        missing = self.game.missing_winrates()
        line = tuple(self.game.line)
        if not missing or self._filling == line:
            return
        self._filling = line
        self._review_progress = f"win rates: 0/{len(missing)} positions..."
        self._fill(list(line), self.board.size, self.board.komi, missing)
        self._refresh_winrate()

    def _stop_filling(self) -> None:
        self.workers.cancel_group(self, "review")
        self._filling = None
        self._review_progress = ""

    @work(thread=True, exclusive=True, group="review", exit_on_error=False)
    def _fill(self, line: list[tuple], size: int, komi: float, missing: list[int]) -> None:
        worker = get_current_worker()
        player = self.player
        done = 0
        try:
            for history, black in analysis.game_values(player, line, size, komi, missing,
                                                       stop=lambda: worker.is_cancelled):
                done += 1
                self._from_thread(self._filled, tuple(line), history, black, done, len(missing))
        except Exception as exc:  # pragma: no cover - a net failing in review
            self._from_thread(self._filled, tuple(line), None, None, -1, str(exc))
            return
        if done < len(missing) and not worker.is_cancelled:  # some positions gave no value
            self._from_thread(self._filled, tuple(line), None, None, len(missing), len(missing))

    def _filled(self, line: tuple, history, black, done: int, total) -> None:
        if self._filling != line:
            return
        if done < 0:
            self._review_progress = f"win rates failed: {total}"
        else:
            if history is not None:
                self.game.note_winrate(history, black)
            self._review_progress = "" if done >= total else f"win rates: {done}/{total} positions..."
        self._refresh_winrate()

    def _analysed(self, results) -> None:
        if len(self._policies) > 2000:
            self._policies.clear()
        for key, probs in results:
            self._policies[key] = probs
        self._refresh()

    def policy_of(self, board: Board) -> np.ndarray | None:
        return self._policies.get(self._key(board))

    # ------------------------------------------------------------------ review
    def _set_review(self, moves: int) -> None:
        self.game.set_review(moves)
        self.hint = None
        self._after_change()

    # ------------------------------------------------------------------ drawing
    def set_status(self, message: str, error: bool = False) -> None:
        """Say ``message`` in the status line.  It belongs to the position it was said at: it
        outlives one more change (the move it announces) and then goes, so no message
        lingers moves later; what must stay (the result, notices) lives in the panel."""
        self._status = Text(message, style="bold red" if error else "")
        self._status_at = self.version
        self._refresh_status()

    def _refresh_status(self) -> None:
        try:
            widget = self.query_one("#status", Static)
        except Exception:
            return
        line = self._status_line()
        widget.update(line)
        rows = min(2, self._rows(line, self.size.width - 2))
        if rows != self._status_rows:  # a message that needs a second line, or no longer does
            self._status_rows = rows
            self._layout()

    def _rows(self, text: Text, width: int) -> int:
        """How many lines ``text`` takes at ``width`` columns."""
        return max(1, len(text.wrap(self.console, max(1, width))))

    def _status_line(self) -> Text:
        line = Text()
        if self.thinking:
            line.append(f"{SPINNER[self._spin % len(SPINNER)]} ", style="bold")
            line.append("the net is thinking... " if self._player_ready.is_set() else "loading the net... ",
                        style="italic")
        if self.version - self._status_at <= 1:
            line.append_text(self._status)
        return line

    def _tick_spinner(self) -> None:
        self._spin += 1
        self._refresh_status()

    def _tick_clock(self) -> None:
        now = time.monotonic()
        elapsed, self._clock_at = now - self._clock_at, now
        if self.game.tick(elapsed):
            self._ended()
        elif self.clock is not None and self.playing:
            self._refresh_info()

    def _refresh(self) -> None:
        if not self.is_mounted:
            return
        board = self.board
        probs = self.policy_of(board)
        top = tuple(analysis.top_from_policy(probs, 5)) if probs is not None else ()
        last = board.last_move
        state = BoardState(
            size=board.size,
            colors=tuple(board.colors),
            last=last[1] if last else None,
            cursor=self.cursor if self.review is None and self.result is None else None,
            heat=tuple(float(x) for x in probs) if (self.show_heat and probs is not None) else None,
            top=top if self.show_heat else (),
            hint=self.hint,
            dead=frozenset(self.dead),
            owner=tuple(self.game.owner) if self.game.owner is not None else None,
            pv=self._pv_stones(),
        )
        self.query_one(BoardView).state = state
        self._refresh_info()
        self._refresh_winrate()
        notes = self._notes_text()
        notes.rstrip()  # no empty last line: the panel's rows are counted
        shown = top[: self._candidate_room(notes)]
        candidates = self._candidates_text(shown, probs, more=len(top) > len(shown))
        candidates.rstrip()
        widget = self.query_one("#candidates", Static)
        widget.update(candidates)
        widget.display = bool(shown) or not top or bool(self.net_notice())  # no title without a move
        self.query_one("#notes", Static).update(notes)
        self._refresh_status()
        self._layout()
        self.refresh_bindings()

    def shown_view(self) -> PositionView | None:
        return self._views.get(self._key(self.board))

    def shown_pv(self) -> list:
        """The variation to show: the hovered move's, when the search looked at it, else the
        top move's; flat points and None for a pass, the side to move first."""
        view = self.shown_view()
        if view is None:
            return []
        if self.hover is not None:
            hovered = next((m for m in view.moves if m.move == self.hover), None)
            if hovered is not None:
                return list(hovered.pv)
        return list(view.pv)

    def _pv_stones(self) -> tuple:
        if not self.show_pv or self.result is not None and self.review is None:
            return ()
        color, out = self.board.to_move, []
        for i, point in enumerate(self.shown_pv()[:PV_SHOWN], 1):
            if point is not None:
                out.append((point, color, i))
            color = WHITE if color == BLACK else BLACK
        return tuple(out)

    def strength_text(self) -> str:
        if not self._player_ready.is_set():
            return f"{self.visits} visits" if self.visits > 1 else "policy only"
        if not analysis.searches(self.player):
            return "random player" if self.player_notice else ""
        if self.visits <= 1:
            return "policy only"
        n = self.board.size
        if not analysis.plays_size(self.player, n):
            return f"no search on {n}x{n}"
        return f"{self.visits} visits" + (" (playouts)" if analysis.has_value_head(self.player) is False else "")

    def _refresh_winrate(self) -> None:
        try:
            widget = self.query_one(WinrateView)
        except Exception:
            return
        ready = self._player_ready.is_set()
        widget.display = not ready or getattr(self.player, "evaluator", None) is not None  # no net, no win rate
        view = self.shown_view()
        waiting = ""
        if not ready:
            waiting = "loading the net..."
        elif view is None and self.thinking:
            waiting = "the net is thinking..."
        elif view is None and (self.playing or self.review is not None):
            waiting = "looking..."
        reviewing = self.review is not None
        pv = ""
        if self.show_pv and view is not None:
            pv = " ".join(self._gtp(p) for p in self.shown_pv()[:PV_SHOWN]) or "none"
        widget.state = WinrateState(
            view=view,
            values=tuple(sorted(self.game.winrates.items())),
            total=self.total_moves,
            shown=self.review if reviewing else self.board.move_number(),
            drops=tuple(self.game.biggest_drops()) if reviewing else (),
            progress=self._review_progress if reviewing else "",
            strength=self.strength_text(),
            waiting=waiting,
            pv_text=pv,
            size=self.board.size,
        )

    def _candidate_room(self, notes: Text) -> int:
        """How many of the net's top moves the side panel has room for (5 at most) beside the
        other sections, so that the review's notes are never cut off at the bottom."""
        try:
            side, winrate = self.query_one("#side"), self.query_one(WinrateView)
        except Exception:
            return 5
        width, height = side.content_size.width, side.content_size.height
        if not side.display or width <= 0 or height <= 0:
            return 5
        used = self._rows(self._info_text(), width) + 1  # the sections and their margins
        if winrate.display:
            used += len(winrate._lines(width)) + 1
        used += 2  # the candidates' title and margin
        notice = self.net_notice()
        if notice:
            used += self._rows(Text(f"⚠ {notice}."), width)
        if notes.plain.strip():
            used += self._rows(notes, width)
        return max(0, min(5, height - used))

    def _refresh_info(self) -> None:
        try:
            widget = self.query_one("#info", Static)
            summary = self.query_one("#summary", Static)
        except Exception:
            return
        widget.update(self._info_text())
        if summary.display:
            summary.update(self._summary_text())

    def _summary_text(self) -> Text:
        """The side panel in one line, for terminals too narrow for the panel."""
        b = self.board
        t = Text()
        for color in (BLACK, WHITE):
            turn = b.to_move == color and self.result is None and self.review is None
            name = self.names[color]
            name = name if len(name) <= 14 else name[:13] + "…"
            t.append(("▶" if turn else " ") + f"{STONE[color]} {name}  ",
                     style="bold" if turn else "")
        if self.review is not None:
            t.append(f"review {self.review}/{self.total_moves}  ", style="bold")
        elif self.result is not None:
            t.append(f"result {self.result}  ", style="bold")
        else:
            t.append(f"move {b.move_number() + 1}  ")
        view = self.shown_view()
        if view is not None and view.black is not None:
            t.append(f"B win {view.black * 100:.0f}%  ", style="bold")
        t.append(f"cap {b.captures[BLACK]}:{b.captures[WHITE]}")
        if self.clock is not None:
            for color in (BLACK, WHITE):
                left = int(self.clock[color] + 0.999)
                t.append(f" {LETTER[color]} {left // 60:02d}:{left % 60:02d}")
        notice = self.net_notice()
        if notice:
            t.append(f"\n⚠ {notice}", style="bold yellow")
        return t

    def _gtp(self, point: int | None) -> str:
        return coords.to_gtp(coords.from_flat(point, self.board.size) if point is not None else None,
                             self.board.size)

    def _info_text(self) -> Text:
        b = self.board
        t = Text()
        t.append(f"{b.size}x{b.size}", style="bold")
        t.append(f"  komi {b.komi:g}")
        if self.settings.handicap:
            t.append(f"  handicap {self.settings.handicap}")
        t.append("\n")
        for color in (BLACK, WHITE):
            mark = "▶ " if (b.to_move == color and self.result is None) else "  "
            t.append(mark, style="bold")
            t.append(f"{STONE[color]} {COLOR_NAMES[color].capitalize():6}", style="bold")
            t.append(f"{self.names[color][:20]}\n")
        t.append(f"Captures  B {b.captures[BLACK]}  W {b.captures[WHITE]}\n")
        if self.clock is not None:
            t.append("Clock    ")
            for color in (BLACK, WHITE):
                left = int(self.clock[color] + 0.999)
                t.append(f" {LETTER[color]} {left // 60:02d}:{left % 60:02d}",
                         style="bold reverse" if b.to_move == color and self.playing else "")
            t.append("\n")
        n = b.move_number()
        if self.review is not None:
            t.append(f"Review: move {self.review} of {self.total_moves}", style="bold")
        elif self.result is not None:
            t.append(f"Game over after {n} move{'s' if n > 1 else ''}: {self.result}" if n
                     else f"Game over: {self.result}",
                     style="bold")
        else:
            who = "you" if b.to_move == self.human else "the net"
            t.append(f"Move {n + 1}: {COLOR_NAMES[b.to_move]} to play ({who})")
        return t

    def _candidates_text(self, top, probs, more: bool = False) -> Text:
        t = Text()
        whose = COLOR_NAMES[self.board.to_move]
        t.append(f"Net's top moves for {whose}\n", style="bold underline")
        notice = self.net_notice()
        if notice:
            t.append(f"⚠ {notice[0].upper()}{notice[1:]}.\n", style="bold yellow")
            if self._plays_size.get(self.board.size, True) is False:
                return t  # a uniform policy has no top moves to show
        if probs is None:
            t.append("  (thinking...)\n" if self._player_ready.is_set() else "  (loading the net...)\n",
                     style="italic")
            return t
        if not top and not more:
            t.append("  none: only passing is left\n", style="italic")
        for i, (p, q) in enumerate(top, 1):
            bar = "█" * max(1, round(q * 12)) if q > 0 else ""
            t.append(f" {i}. {self._gtp(p):4} {q * 100:5.1f}% ")
            t.append(bar, style="green")
            t.append("\n")
        return t

    def _notes_text(self) -> Text:
        t = Text()
        if self.review is not None and self.review > 0:
            before = self.game.position_after(self.review - 1)
            color, point = self.board.last_move
            played = self._gtp(point)
            t.append(f"Move {self.review}: {COLOR_NAMES[color]} {played}\n", style="bold")
            probs = self.policy_of(before)
            if probs is None:
                t.append("  the net is looking...\n", style="italic")
            elif point is None:
                t.append("  a pass (the net rates stones only)\n")
            else:
                best = int(np.argmax(probs)) if probs.any() else None
                t.append(f"  net gave it {probs[point] * 100:.1f}% (rank {analysis.rank_of(probs, point)})\n")
                if best is not None:
                    t.append(f"  net expected {self._gtp(best)} ({probs[best] * 100:.1f}%)\n")
        if self.review is not None:
            t.append("←/→ Home/End step, c plays on\n", style="dim")
        if self.result is not None:
            t.append(f"Result: {self.result}\n", style="bold")
            if self.game.result_note:
                t.append(f"  {self.game.result_note}\n", style="italic")
            if self.scored_by_passes:
                black, white, _ = self.board.area(self.dead)
                t.append(f"  area B {black}, W {white} + komi {self.board.komi:g}\n")
                if self.dead:
                    t.append(f"  dead: {len([p for p in self.dead if self.board.colors[p] == BLACK])} black, "
                             f"{len([p for p in self.dead if self.board.colors[p] == WHITE])} white\n")
        return t

    # ------------------------------------------------------------------ bindings
    def check_action(self, action: str, parameters) -> bool | None:
        reviewing = self.review is not None
        if action in ("continue_here",):
            return reviewing
        if action in ("pass_move", "undo", "hint", "resign"):
            return not reviewing
        return True

    def _cursor_step(self, dr: int, dc: int) -> None:
        size = self.board.size
        row, col = divmod(self.cursor, size)
        row, col = max(0, min(size - 1, row + dr)), max(0, min(size - 1, col + dc))
        self.cursor = row * size + col
        self._refresh()

    def action_left(self) -> None:
        if self.review is not None:
            self._set_review(self.review - 1)
        else:
            self._cursor_step(0, -1)

    def action_right(self) -> None:
        if self.review is not None:
            self._set_review(self.review + 1)
        else:
            self._cursor_step(0, 1)

    def action_up(self) -> None:
        if self.review is None:
            self._cursor_step(1, 0)

    def action_down(self) -> None:
        if self.review is None:
            self._cursor_step(-1, 0)

    def action_first(self) -> None:
        if self.review is not None:
            self._set_review(0)

    def action_last(self) -> None:
        if self.review is not None:
            self._set_review(self.total_moves)

    def action_place(self) -> None:
        self.place(self.cursor)

    def on_board_view_point_clicked(self, message: BoardView.PointClicked) -> None:
        if self.scored_by_passes and self.review is None:
            self._toggle_dead(message.point)
            return
        self.cursor = message.point
        self.place(message.point)

    def _toggle_dead(self, point: int) -> None:
        if self.game.toggle_dead(point):
            self.set_status(f"Score with your dead stones: {self.result}.")
            self._refresh()

    def place(self, point: int) -> None:
        """The human plays ``point`` (flat) if it is their turn and the rules allow it."""
        if not self._human_may_move():
            return
        reason = self.board.check(self.human, point)
        if reason is not None:
            self.set_status(f"Illegal move {self._gtp(point)}: {reason}.", error=True)
            self.bell()
            return
        self.set_status(f"You played {self._gtp(point)}.")
        self._play(self.human, point)

    def _human_may_move(self) -> bool:
        refusal = self.game.refusal()
        if refusal:
            self.set_status(refusal, error=True)
        return refusal is None

    def action_pass_move(self) -> None:
        """Pass.  Two passes in a row end the game: one by each side, or two of yours (the net
        may play on after your pass; passing again says the game is over for you)."""
        if not self._human_may_move():
            return
        self.set_status("You passed.")
        self._play(self.human, None)

    def action_resign(self) -> None:
        if not self.playing:
            return

        def answer(yes: bool | None) -> None:
            if yes and self.playing:
                self.game.resign(self.human)
                self._ended()
        self.push_screen(ConfirmScreen("Resign this game?", "Resign", "Play on"), answer)

    def action_undo(self) -> None:
        """Take back the human's last move and the net's reply to it."""
        if self.review is not None:
            return
        thinking = self.thinking  # the net has not answered yet: take back the human's move alone
        self._cancel_thinking()
        self._generation += 1  # a count of the dead stones still running is dropped too
        if not self.game.undo(net_thinking=thinking):
            self.set_status("Nothing to undo.", error=True)
            return
        self.hint = None
        self.set_status(f"Taken back; move {self.board.move_number() + 1} to play.")
        self._after_change()

    def action_hint(self) -> None:
        if not self.playing or self.board.to_move != self.human:
            self.set_status("A hint is for your turn.", error=True)
            return
        if self.net_notice() and self._plays_size.get(self.board.size, True) is False:
            self.set_status(f"No hint: {self.net_notice()}.", error=True)
            return
        probs = self.policy_of(self.board)
        if probs is None:
            self.set_status("The net is still looking at this position; try again in a moment.")
            self._request_analysis()
            return
        top = analysis.top_from_policy(probs, 1)
        if not top:
            self.set_status("The net would pass here.")
            return
        self.hint, q = top[0]
        self.set_status(f"Hint: the net would play {self._gtp(self.hint)} ({q * 100:.1f}%).")
        self._refresh()

    def action_heatmap(self) -> None:
        self.show_heat = not self.show_heat
        self.set_status("Heat map on: shades are the net's policy, numbers its top moves in percent."
                        if self.show_heat else "Heat map off.")
        self._refresh()

    def action_pv(self) -> None:
        """Show the principal variation of the position shown (the hovered move's, when the
        mouse is on a move the search looked at) as numbered stones."""
        self.show_pv = not self.show_pv
        if not self.show_pv:
            self.set_status("Variation off.")
        elif self.visits <= 1 and analysis.searches(self.player):
            self.set_status("No variation from the policy alone: press + to search.", error=True)
        elif not analysis.searches(self.player) and self._player_ready.is_set():
            self.set_status("No variation: this player does not search.", error=True)
        else:
            self.set_status("Variation on: the top move's line as numbered stones; "
                            "hover a move to see its own.")
        self._refresh()

    def action_stronger(self) -> None:
        self._set_strength(next((v for v in analysis.LEVELS if v > self.visits), self.visits))

    def action_weaker(self) -> None:
        self._set_strength(next((v for v in reversed(analysis.LEVELS) if v < self.visits), self.visits))

    def _set_strength(self, visits: int) -> None:
        """Search ``visits`` a move from the next move on (1: the policy alone)."""
        if self._player_ready.is_set():
            other = analysis.with_visits(self.player, visits)
            if other is None:
                self.set_status("This player does not search: its strength is fixed.", error=True)
                return
            self.player = other
        self.visits = visits
        self._views.pop(self._key(self.board), None)  # look again, at the new strength
        self.set_status(f"Strength: {self.strength_text()} a move." if visits > 1 else
                        "Strength: the policy alone, one forward pass a move.")
        self._request_analysis()
        self._refresh()

    def action_next_drop(self) -> None:
        """Review: go to the next of the moves that cost their player most."""
        if self.review is None:
            self.set_status("d is for review (r): it steps through the biggest drops.", error=True)
            return
        found = sorted(d.move for d in self.game.biggest_drops())
        if not found:
            self.set_status("No big drop found yet." + (" Still computing..." if self._review_progress else ""))
            return
        target = next((m for m in found if m > self.review), found[0])
        self._set_review(target)
        drop = next(d for d in self.game.biggest_drops() if d.move == target)
        self.set_status(f"Move {target}: {COLOR_NAMES[drop.color]} {self._gtp(drop.point)} "
                        f"lost {drop.loss * 100:.0f}% of its chance to win.")

    def on_board_view_point_hovered(self, message: BoardView.PointHovered) -> None:
        if message.point != self.hover:
            self.hover = message.point
            if self.show_pv:
                self._refresh()

    def action_review(self) -> None:
        if self.review is None:
            self._cancel_thinking()  # the net's turn comes back with the game
            self.game.enter_review()
            self.hint = None
            self._after_change()
            self.set_status("Review: ←/→ step, Home/End jump, c plays on from here, r returns.")
        else:
            self.game.leave_review()
            self.set_status("Back to the game.")
            self._after_change()

    def _unless_unsaved(self, question: str, then, yes: str = "Discard it", no: str = "Keep it") -> None:
        """Run ``then()`` now if the game is saved, else only once the player says yes: no key
        throws away an unsaved game without asking."""
        if not self.dirty:
            then()
            return

        def answer(yes: bool | None) -> None:
            if yes:
                then()
        self.push_screen(ConfirmScreen(question, yes, no), answer)

    def action_continue_here(self) -> None:
        if self.review is None:
            return
        later = self.game.later_moves
        if later > 0:
            self._unless_unsaved(f"Playing on from move {self.review} drops the {later} later moves "
                                 "of this unsaved game. Go on?", self._continue_here)
        else:
            self._continue_here()

    def _continue_here(self) -> None:
        if self.review is None:
            return
        self._generation += 1
        shown = self.game.continue_here(self._engine_name())
        self._clock_at = time.monotonic()
        self.hint = None
        self.cursor = self._center()
        self.set_status(f"Playing on from move {shown}: you are {COLOR_NAMES[self.human]}.")
        self._after_change()

    def action_new_game(self) -> None:
        def chosen(settings: GameSettings | None) -> None:
            if settings is not None:
                self.start_game(settings)
        self._unless_unsaved("The game is not saved. Start a new one anyway?",
                             lambda: self.push_screen(NewGameScreen(self.settings), chosen))

    def _default_save_path(self) -> str:
        if self.sgf_path:
            return str(self.sgf_path)
        return f"gocnn-{_dt.datetime.now():%Y%m%d-%H%M%S}.sgf"

    def action_save(self) -> None:
        self.push_screen(PathScreen("Save the game as SGF", self._default_save_path(), "Save"), self.save_to)

    def save_to(self, path: str | None) -> None:
        if not path:
            return
        try:
            written = self.game.save(path)
        except OSError as exc:
            self.set_status(f"Could not save {path}: {exc.strerror or exc}", error=True)
            return
        self.sgf_path = str(written)
        self.set_status(f"Saved {self.total_moves} moves to {written}.")

    def action_open(self) -> None:
        self._unless_unsaved("The game is not saved. Open another one anyway?",
                             lambda: self.push_screen(PathScreen("Open an SGF game", str(self.sgf_path or ""),
                                                                 "Open"), self.open_path))

    def open_path(self, path: str | None) -> None:
        if not path:
            return
        from gocnn.errors import GocnnError
        if is_archive(path):
            try:
                games = archive_games(path)
            except GocnnError as exc:
                self.set_status(str(exc), error=True)
                return

            def chosen(index: int | None) -> None:
                if index is not None:
                    self._open_data(games[index].data, f"{Path(path).name}: {games[index].name}", None)
            self.push_screen(ChooseGameScreen(f"{len(games)} games in {Path(path).name}: pick one",
                                              [g.label for g in games]), chosen)
            return
        try:
            record = load_sgf(path)
        except GocnnError as exc:
            self.set_status(str(exc), error=True)
            return
        self.sgf_path = str(Path(path).expanduser())
        self._open_record(record)

    def _open_data(self, data: bytes, name: str, sgf_path: str | None) -> None:
        """Open one game given as SGF bytes (a game picked from an archive)."""
        from gocnn.errors import GocnnError
        try:
            record = parse_sgf(data)
        except GocnnError as exc:
            self.set_status(f"{name}: {exc}", error=True)
            return
        self.sgf_path = sgf_path  # saving writes a file of its own, not into the archive
        self._open_record(record)

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_quit_game(self) -> None:
        self._unless_unsaved("The game is not saved. Quit anyway?", self.exit, "Quit", "Stay")
