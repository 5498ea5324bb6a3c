"""Save and open games as SGF for the terminal UI (through sgfmill).

A game here is what :attr:`gocnn.go.board.Board.history` holds: ``("setup", colour, points)``,
``("turn", colour, None)`` and ``("move", colour, point or None)`` entries.  Setup and turn
entries before the first move become the root's AB/AW and PL; later setup entries become
AB/AW/AE on the node before the next move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from sgfmill import sgf

from gocnn.go import coords
from gocnn.go.board import BLACK, EMPTY, WHITE, Board, IllegalMove
from gocnn.errors import GocnnError

_COLOR_OF_LETTER = {"b": BLACK, "w": WHITE}


@dataclass
class OpenedGame:
    """What an SGF file gives the UI: the board size and komi, the history and the names.

    Not :class:`gocnn.go.sgf.GameRecord` (training data: root setup and moves, a game with
    mid-game setup cut there): the UI replays a :attr:`Board.history`, edits included, and
    reports the moves it could not replay in ``problems``."""

    size: int
    komi: float
    history: list[tuple]
    black: str = ""
    white: str = ""
    result: str = ""
    handicap: int = 0
    problems: list[str] = field(default_factory=list)  # moves that could not be replayed

    @property
    def moves(self) -> list[tuple[int, int | None]]:
        return [(c, p) for kind, c, p in self.history if kind == "move"]


def save_sgf(path: str | Path, history: list[tuple], size: int, komi: float, **info) -> Path:
    """Write the game to ``path``; raises OSError."""
    from gocnn.go.sgf import history_to_sgf

    path = Path(path).expanduser()
    path.write_bytes(history_to_sgf(history, size, komi, **info))
    return path


def parse_sgf(data: bytes) -> OpenedGame:
    """The main line of an SGF game.  Raises GocnnError for a file that is not SGF.

    Moves the rules refuse stop the replay there; they are reported in ``problems``."""
    try:
        game = sgf.Sgf_game.from_bytes(data)
    except ValueError as exc:
        raise GocnnError(f"not a readable SGF file: {exc}") from None
    size = game.get_size()
    try:
        coords.check_size(size)
    except coords.CoordError as exc:
        raise GocnnError(str(exc)) from None
    komi = game.get_komi()
    board = Board(size, komi=komi)
    problems: list[str] = []
    flat = lambda rc: coords.to_flat(rc, size)  # noqa: E731
    for number, node in enumerate(game.get_main_sequence()):
        if node.has_setup_stones():
            black_set, white_set, empty_set = node.get_setup_stones()
            for color, stones in ((EMPTY, empty_set), (BLACK, black_set), (WHITE, white_set)):
                if stones:
                    board.setup(color, sorted(flat(rc) for rc in stones))
        if node.has_property("PL"):
            board.set_to_move(_COLOR_OF_LETTER[node.get("PL")])
        letter, move = node.get_move()
        if letter is None:
            continue
        color = _COLOR_OF_LETTER[letter]
        point = None if move is None else flat(move)
        try:
            board.play(color, point)
        except IllegalMove as exc:
            problems.append(f"move {board.move_number() + 1} ({letter.upper()} "
                            f"{coords.to_gtp(move, size)}) is illegal here: {exc.reason}; "
                            "the game stops before it")
            break
    root = game.get_root()

    def text(prop: str) -> str:
        try:
            return str(root.get(prop)) if root.has_property(prop) else ""
        except ValueError:
            return ""

    try:
        handicap = int(game.get_handicap() or 0)
    except ValueError:
        handicap = 0
    return OpenedGame(size=size, komi=float(komi), history=list(board.history),
                      black=text("PB"), white=text("PW"), result=text("RE"), handicap=handicap,
                      problems=problems)


_COMPRESSED = (b"\x1f\x8b", b"PK\x03\x04", b"BZh", b"\xfd7zXZ")  # gzip, zip, bzip2, xz


def is_archive(path: str | Path) -> bool:
    """An archive of games (.zip, .tar, .tar.gz ...), read by :func:`archive_games`."""
    from gocnn.go.sgf import is_archive as named_like_one

    return named_like_one(Path(path).name)


def load_sgf(path: str | Path) -> OpenedGame:
    """Read an SGF file; raises GocnnError (missing or unreadable file, an archive)."""
    path = Path(path).expanduser()
    if is_archive(path):
        raise GocnnError(f"{path} is an archive of games, not one game: open it in gocnn play "
                         "(--sgf or the o key) and pick a game from its list")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GocnnError(f"cannot read {path}: {exc.strerror or exc}") from None
    if data.startswith(_COMPRESSED) or data[257:262] == b"ustar":
        raise GocnnError(f"{path} is a compressed file or an archive, not SGF text: decompress it "
                         "(gunzip, bunzip2, unxz), or name an archive of games .zip, .tar.gz, .tgz, "
                         ".tar.bz2 or .tar.xz to pick a game from it")
    return parse_sgf(data)


@dataclass
class ArchiveGame:
    """One SGF file inside an archive, with what the list of games shows of it."""

    name: str  # the path inside the archive
    data: bytes
    black: str = ""
    white: str = ""

    @property
    def label(self) -> str:
        players = f"  {self.black or '?'} - {self.white or '?'}" if (self.black or self.white) else ""
        return self.name + players


_PLAYER = {prop: re.compile(rb"\b" + prop + rb"\s*\[((?:[^\]\\]|\\.){0,60})\]") for prop in (b"PB", b"PW")}


def archive_games(path: str | Path) -> list[ArchiveGame]:
    """The SGF files in an archive, in archive order (through :func:`gocnn.go.sgf.iter_files`,
    which streams archives and never extracts them).  Raises GocnnError: missing file,
    damaged archive, no SGF file inside."""
    from gocnn.go.sgf import BAD_ARCHIVE, ReadStats, iter_files

    path = Path(path).expanduser()
    stats = ReadStats()
    try:
        files = list(iter_files([path], stats))
    except (OSError, FileNotFoundError) as exc:
        raise GocnnError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
    if not files:
        why = "it is damaged or truncated" if stats.skipped.get(BAD_ARCHIVE) else "it holds no .sgf file"
        raise GocnnError(f"no game to open in {path}: {why}")
    games = []
    for name, data in files:
        head = data[:4096]
        black, white = (m.group(1).decode("utf-8", "replace") if (m := _PLAYER[prop].search(head)) else ""
                        for prop in (b"PB", b"PW"))
        games.append(ArchiveGame(name.split("/", 1)[1] if "/" in name else name, data, black, white))
    return games
