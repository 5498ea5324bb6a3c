"""Dialogs: new game, file path, confirmation, help.  Each dismisses with its answer."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Select, Static

from gocnn.go.board import handicap_points
from gocnn.tui.session import GameSettings


class NewGameScreen(ModalScreen[GameSettings | None]):
    """Choose size, colour, handicap and komi."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: GameSettings):
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        c = self.current
        with Vertical(id="dialog"):
            yield Label("New game", classes="title")
            with Horizontal(classes="field"):
                yield Label("Board size")
                yield Select([("9 x 9", 9), ("13 x 13", 13), ("19 x 19", 19)],
                             value=c.size if c.size in (9, 13, 19) else 19, allow_blank=False, id="size", compact=True)
            with Horizontal(classes="field"):
                yield Label("You play")
                yield Select([("Black", "black"), ("White", "white"), ("Random", "random")],
                             value=c.color, allow_blank=False, id="color", compact=True)
            with Horizontal(classes="field"):
                yield Label("Handicap")
                yield Input(str(c.handicap), type="integer", id="handicap", compact=True)
            with Horizontal(classes="field"):
                yield Label("Komi")
                yield Input("" if c.komi is None else f"{c.komi:g}", placeholder="auto (7.5, 0.5 with handicap)",
                            type="number", id="komi", compact=True)
            yield Static("", id="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Start", variant="primary", id="start")
                yield Button("Cancel", id="cancel")

    def _settings(self) -> GameSettings:
        size = int(self.query_one("#size", Select).value)
        color = str(self.query_one("#color", Select).value)
        text = self.query_one("#handicap", Input).value.strip() or "0"
        handicap = int(text)
        if handicap == 1 or handicap < 0:
            raise ValueError("handicap is 0 or 2..9 stones")
        if handicap:
            handicap_points(size, handicap)  # raises ValueError where none is defined
        komi_text = self.query_one("#komi", Input).value.strip()
        komi = float(komi_text) if komi_text else None
        return GameSettings(size, color, handicap, komi)

    def _start(self) -> None:
        try:
            self.dismiss(self._settings())
        except ValueError as exc:
            self.query_one("#dialog-error", Static).update(f"[b]{exc}[/b]")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self._start()
        else:
            self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._start()

    def action_cancel(self) -> None:
        self.dismiss(None)


class PathScreen(ModalScreen[str | None]):
    """Ask for a file name (save, open)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", action: str = "OK"):
        super().__init__()
        self.title_text, self.value, self.action_text = title, value, action

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, classes="title")
            yield Input(self.value, placeholder="path/to/game.sgf", id="path")
            with Horizontal(classes="buttons"):
                yield Button(self.action_text, variant="primary", id="ok")
                yield Button("Cancel", id="cancel")

    def _done(self) -> None:
        value = self.query_one("#path", Input).value.strip()
        self.dismiss(value or None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._done()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._done()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChooseGameScreen(ModalScreen[int | None]):
    """Pick one game of an archive: up/down and Enter (or a click); Esc cancels.  Dismisses
    with the index of the game chosen."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, labels: list[str]):
        super().__init__()
        self.title_text, self.labels = title, labels

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="chooser"):
            yield Label(self.title_text, classes="title")
            yield OptionList(*self.labels, id="games")
            yield Label("up/down, Enter opens the game, Esc cancels", classes="muted")

    def on_mount(self) -> None:
        games = self.query_one("#games", OptionList)
        games.highlighted = 0
        games.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y / n / escape answer it."""

    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str, yes: str = "Yes", no: str = "No"):
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.question, classes="title")
            yield Label("y / n", classes="muted")
            with Horizontal(classes="buttons"):
                yield Button(self.yes, variant="error", id="yes")
                yield Button(self.no, variant="primary", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


HELP_ROWS = [
    ("Playing", ""),
    ("arrows / h j k l", "move the cursor"),
    ("Enter / Space / click", "play at the cursor (a click plays where you click)"),
    ("p", "pass (the game ends after a pass each, or two of yours in a row)"),
    ("u", "undo: takes back your move and the net's reply"),
    ("R", "resign"),
    ("n", "new game: size, colour, handicap, komi (asks first if the game is not saved)"),
    ("The net's view", ""),
    ("m", "heat map of the net's policy on the board, top moves in percent"),
    ("t", "hint: what the net would play for you"),
    ("+ / -", "stronger / weaker: the search's visits a move, 1 (the policy alone), 50, 200, 800, 3200"),
    ("v", "the principal variation of the position shown as numbered stones (hover a move for its own)"),
    ("Records", ""),
    ("s", "save the game as SGF"),
    ("o", "open an SGF game for review (asks first if the game is not saved; from an archive "
          "(.zip, .tar.gz ...) pick the game from a list)"),
    ("r", "review mode on / off"),
    ("left / right", "review: one move back / forward"),
    ("Home / End", "review: the start / the end of the game"),
    ("c", "review: continue playing against the net from this move"),
    ("d", "review: jump to the next of the moves where the mover's win rate fell most"),
    ("End of game", ""),
    ("click a stone", "after two passes: mark a chain dead or alive again"),
    ("Other", ""),
    ("? / F1", "this help"),
    ("ctrl+t", "dark / light theme"),
    ("q", "quit (asks first if the game is not saved)"),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1,enter", "close", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1))
        table.add_column(style="bold")
        table.add_column()
        for key, what in HELP_ROWS:
            if what:
                table.add_row(key, what)
            else:
                table.add_row(f"[u]{key}[/u]", "")
        with Vertical(id="dialog", classes="help"):
            yield Label("gocnn - keys", classes="title")
            with VerticalScroll(id="help-keys"):
                yield Static(table)
            yield Label("up/down scroll, Esc closes this help", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()

    def action_close(self) -> None:
        self.dismiss(None)
