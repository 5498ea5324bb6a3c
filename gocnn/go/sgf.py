"""Game records from SGF sources.

A *source* is a ``.sgf`` file (one game or a collection), a directory tree, or an archive
(``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, ``.tar.bz2``/``.tbz2``, ``.tar.xz``/``.txz``), read
as a stream: nothing is extracted to disk, and every file is read with a size limit, so a 2 GB
"SGF" or a zip bomb is refused rather than loaded.

:func:`read_games` yields one :class:`GameRecord` per game: board size, komi, handicap and setup
stones, the main line (variations are ignored), result, players, ranks, date and where it came
from.  Each record's moves are replayed through :class:`gocnn.go.board.Board`; a game whose record
holds an illegal move keeps only the moves before it (``illegal`` says why).  Games that cannot
be used are skipped and counted in :class:`ReadStats` by reason; reading always goes on.
"""

from __future__ import annotations

import codecs
import datetime as _dt
import hashlib
import os
import re
import tarfile
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from sgfmill import sgf as _sgf
from sgfmill import sgf_grammar, sgf_properties

from gocnn.go import coords
from gocnn.go.board import BLACK, EMPTY, WHITE, Board, IllegalMove

MAX_FILE_BYTES = 32 * 1024 * 1024  # one .sgf file (a collection may hold thousands of games)
MAX_GAMES_PER_FILE = 100_000
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")

# Skip reasons, as counted in ReadStats.skipped
NOT_SGF = "not an SGF file"
TOO_LARGE = "file over the size limit"
UNREADABLE = "unreadable file"
BAD_ARCHIVE = "damaged or truncated archive"
PARSE_ERROR = "malformed SGF"
NO_GAME = "no game in file"
BAD_SIZE = "unsupported board size"
SIZE_FILTERED = "board size excluded"
BAD_POINT = "off-board or malformed point"
NO_MOVES_AT_ALL = "no moves"
NO_MOVES = "too few moves"
RANK_FILTERED = "rank below minimum"
RANK_UNKNOWN = "rank unknown"
NO_RESULT = "no result"
HANDICAP_FILTERED = "handicap game"
UNEXPECTED = "unexpected error"  # a failure the reader did not foresee; counted, never raised
# Not a skip: the game is kept up to its first illegal move.
TRUNCATED = "illegal move (game cut before it)"


class SgfError(ValueError):
    """A game that cannot be used; ``reason`` is one of the skip reasons above."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass
class GameRecord:
    source: str  # "archive.tar.gz/dir/game.sgf" (+ "#2" for the 3rd game of a collection)
    size: int
    komi: float = 0.0
    handicap: int = 0
    setup: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)  # (colour or EMPTY, flat points)
    moves: list[tuple[int, int | None]] = field(default_factory=list)  # (colour, flat point or None)
    first_player: int = BLACK  # who moves first (PL, else the first move's colour)
    result: str | None = None
    black: str | None = None
    white: str | None = None
    black_rank: str | None = None
    white_rank: str | None = None
    date: str | None = None
    illegal: str | None = None  # why the record was cut short, if it was

    @property
    def winner(self) -> int | None:
        r = (self.result or "").strip().upper()
        if r.startswith("B+"):
            return BLACK
        if r.startswith("W+"):
            return WHITE
        return None

    def digest(self) -> bytes:
        """16 bytes naming the game by its content (size, setup, moves), the same for all 8
        orientations of the board: duplicates and the train/validation split use it."""
        return game_digest(self.size, self.setup, self.moves)

    def board(self, superko: bool = False) -> Board:
        """A board with the setup stones placed, before the first move."""
        b = Board(self.size, komi=self.komi, superko=superko)
        for color, points in self.setup:
            b.setup(color, points)
        if self.setup or self.first_player != BLACK:
            b.set_to_move(self.first_player)
        return b


@dataclass
class Filters:
    sizes: tuple[int, ...] | None = None
    min_moves: int = 0
    min_rank: str | None = None
    require_result: bool = False
    no_handicap: bool = False

    def reason(self, rec: GameRecord) -> str | None:
        if self.sizes and rec.size not in self.sizes:
            return SIZE_FILTERED
        if not rec.moves:
            return NO_MOVES_AT_ALL
        if len(rec.moves) < self.min_moves:
            return NO_MOVES
        if self.require_result and not rec.result:
            return NO_RESULT
        if self.no_handicap and (rec.handicap >= 2 or any(c == BLACK for c, _ in rec.setup)):
            return HANDICAP_FILTERED
        if self.min_rank:
            need = rank_value(self.min_rank)
            if need is None:
                raise ValueError(f"not a rank: {self.min_rank!r} (use e.g. 5k, 6d, 1p)")
            ranks = [rank_value(rec.black_rank), rank_value(rec.white_rank)]
            if None in ranks:
                return RANK_UNKNOWN
            if min(ranks) < need:
                return RANK_FILTERED
        return None


@dataclass
class ReadStats:
    files: int = 0
    games: int = 0  # games yielded
    positions: int = 0  # moves of the games yielded (passes included)
    duplicates: int = 0
    truncated: int = 0
    skipped: Counter = field(default_factory=Counter)
    sizes: Counter = field(default_factory=Counter)

    def add(self, other: "ReadStats") -> None:
        self.files += other.files
        self.games += other.games
        self.positions += other.positions
        self.duplicates += other.duplicates
        self.truncated += other.truncated
        self.skipped.update(other.skipped)
        self.sizes.update(other.sizes)

    def as_dict(self) -> dict:
        return {"files": self.files, "games": self.games, "positions": self.positions,
                "duplicates": self.duplicates, "truncated": self.truncated,
                "skipped": dict(sorted(self.skipped.items())),
                "sizes": {str(k): v for k, v in sorted(self.sizes.items())}}


_RANK = re.compile(r"^\s*(\d+)\s*(k|kyu|d|dan|p|pro)\b", re.I)


def rank_value(rank: str | None) -> int | None:
    """``"5k"`` -> -4, ``"1k"`` -> 0, ``"1d"`` -> 1, ``"9d"`` -> 9, ``"1p"`` -> 10 ... None if unknown."""
    if not rank:
        return None
    m = _RANK.match(rank)
    if not m:
        return None
    n, kind = int(m.group(1)), m.group(2)[0].lower()
    if kind == "k":
        return 1 - n
    if kind == "d":
        return n
    return 9 + n


# ---------------------------------------------------------------------- content digest
def _sym_maps(size: int):
    import numpy as np
    r, c = np.divmod(np.arange(size * size), size)
    maps = []
    for k in range(8):
        rr, cc = (r, c) if k < 4 else (c, r)
        for _ in range(k % 4):
            rr, cc = cc, size - 1 - rr
        maps.append(np.append(rr * size + cc, size * size).astype(np.int32))
    return maps


_SYM_CACHE: dict[int, list] = {}


def game_digest(size: int, setup, moves) -> bytes:
    import numpy as np
    maps = _SYM_CACHE.get(size)
    if maps is None:
        maps = _SYM_CACHE[size] = _sym_maps(size)
    pass_pt = size * size
    seq = np.fromiter((pass_pt if p is None else p for _, p in moves), dtype=np.int32, count=len(moves))
    cols = bytes(c for c, _ in moves)
    setup_pts = [(c, np.array(sorted(pts), dtype=np.int32)) for c, pts in setup]
    best = None
    for m in maps:
        parts = [str(size).encode(), cols, m[seq].tobytes()]
        for c, pts in setup_pts:
            parts.append(bytes([c]) + np.sort(m[pts]).tobytes())
        key = b"|".join(parts)
        if best is None or key < best:
            best = key
    return hashlib.blake2b(best, digest_size=16).digest()


# ---------------------------------------------------------------------- sources
def is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def iter_files(paths: Iterable[str | os.PathLike], stats: ReadStats | None = None,
               max_bytes: int = MAX_FILE_BYTES) -> Iterator[tuple[str, bytes]]:
    """Yield ``(name, bytes)`` for every SGF file in the sources, streaming archives.

    Files that are not SGF, over ``max_bytes``, or unreadable are counted in ``stats.skipped``
    and passed over; a damaged archive stops that archive only.  Raises FileNotFoundError for
    a path that does not exist."""
    stats = stats if stats is not None else ReadStats()
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for fname in sorted(files):
                    full = Path(root) / fname
                    if fname.lower().endswith(".sgf") or is_archive(fname):
                        yield from iter_files([full], stats, max_bytes)
        elif is_archive(path.name):
            yield from _iter_archive(path, stats, max_bytes)
        else:
            stats.files += 1  # a file named by the user is tried whatever its name
            try:
                size = path.stat().st_size
                if size > max_bytes:
                    stats.skipped[TOO_LARGE] += 1
                    continue
                with open(path, "rb") as f:
                    data = f.read(max_bytes + 1)
            except OSError:
                stats.skipped[UNREADABLE] += 1
                continue
            if len(data) > max_bytes:
                stats.skipped[TOO_LARGE] += 1
                continue
            yield str(path), data


def _take_member(name: str, size: int, stats: ReadStats, max_bytes: int) -> bool:
    """Count an archive member as a file read; False (and counted as skipped) for one that is
    not named .sgf or is larger than ``max_bytes``."""
    stats.files += 1
    if not name.lower().endswith(".sgf"):
        stats.skipped[NOT_SGF] += 1
        return False
    if size > max_bytes:
        stats.skipped[TOO_LARGE] += 1
        return False
    return True


def _iter_archive(path: Path, stats: ReadStats, max_bytes: int) -> Iterator[tuple[str, bytes]]:
    base = path.name
    try:
        if path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    if info.is_dir():
                        continue
                    name = f"{base}/{info.filename}"
                    if is_archive(info.filename):
                        stats.skipped[NOT_SGF] += 1  # nested archives are not opened
                        continue
                    if not _take_member(info.filename, info.file_size, stats, max_bytes):
                        continue
                    try:
                        with zf.open(info) as f:
                            data = f.read(max_bytes + 1)  # the header may lie: bound the read
                    except Exception:  # bad CRC, unsupported compression, damaged stream
                        stats.skipped[UNREADABLE] += 1
                        continue
                    if len(data) > max_bytes:
                        stats.skipped[TOO_LARGE] += 1
                        continue
                    yield name, data
        else:
            with tarfile.open(path, mode="r|*") as tf:
                for member in tf:
                    if not member.isfile():
                        continue
                    name = f"{base}/{member.name}"
                    if not _take_member(member.name, member.size, stats, max_bytes):
                        continue
                    f = tf.extractfile(member)
                    data = f.read() if f else b""
                    yield name, data
    except Exception:  # tarfile, zipfile, gzip, bz2 and lzma raise assorted errors on damage
        stats.skipped[BAD_ARCHIVE] += 1


# ---------------------------------------------------------------------- parsing
def _is_text_codec(name: str) -> bool:
    try:
        return codecs.lookup(name)._is_text_encoding  # not base64, rot13, zlib ...
    except (LookupError, AttributeError):
        return False


def _guess_encoding(data: bytes) -> str:
    """The encoding of an SGF file without a usable CA property.

    UTF-8 if it decodes; else GB2312 or Shift-JIS when the bytes are valid in the stricter of
    them (each rejects nearly all text in the other); else, when the high bytes mostly come in
    pairs, the wider GB18030 or CP932; else Latin-1 (every byte string decodes in Latin-1)."""
    for enc in ("utf-8", "gb2312", "shift_jis"):
        try:
            data.decode(enc)
            return enc
        except UnicodeDecodeError:
            continue
    pairs = single = i = 0
    n = len(data)
    while i < n:
        if data[i] >= 0x80:
            if i + 1 < n and data[i + 1] >= 0x80:  # Latin-1 puts letters after é, ü ...
                pairs += 1
                i += 2
                continue
            single += 1
        i += 1
    if pairs > single:
        for enc in ("gb18030", "cp932"):
            try:
                data.decode(enc)
                return enc
            except UnicodeDecodeError:
                continue
    return "latin-1"


def _encoding(root: dict, data: bytes) -> str:
    """The declared CA encoding when it is a text encoding that decodes this file, else a guess."""
    raw = root.get("CA")
    if raw:
        name = bytes(raw[0]).decode("ascii", "replace").strip()
        if _is_text_codec(name):
            try:
                data.decode(name)
                return name
            except UnicodeDecodeError:
                pass  # declared wrongly (a GB2312 file marked UTF-8 ...): guess instead
    return _guess_encoding(data)


def _parse_collection(data: bytes) -> tuple[list, SgfError | None]:
    """The coarse game trees of one file, and the error that stopped the parse if one did
    (the games before a damaged one in a collection are kept)."""
    try:
        return sgf_grammar.parse_sgf_collection(data), None
    except ValueError as exc:
        error = SgfError(PARSE_ERROR, str(exc))
    trees, position = [], 0
    parse_one = getattr(sgf_grammar, "_parse_sgf_game", None)
    if parse_one is not None:
        try:
            while True:
                tree, position = parse_one(data, position)
                if tree is None:
                    break
                trees.append(tree)
        except ValueError:
            pass
    return trees, error


def parse_games(data: bytes, name: str = "<bytes>") -> Iterator[GameRecord | SgfError]:
    """Every game in one SGF file, as records (or the SgfError that ruled a game out).

    Raises SgfError only when the file as a whole is not SGF (PARSE_ERROR, NO_GAME).  Never
    raises anything else for bad data: an unexpected failure on one game is yielded as an
    SgfError with reason UNEXPECTED."""
    if not data.strip():
        raise SgfError(NO_GAME, "empty file")
    collection, error = _parse_collection(data)
    if not collection:
        raise error or SgfError(NO_GAME)
    several = len(collection) > 1 or error is not None
    for i, coarse in enumerate(collection[:MAX_GAMES_PER_FILE]):
        label = f"{name}#{i}" if several else name
        try:
            yield _record(coarse, label, data)
        except SgfError as exc:
            yield exc
        except (ValueError, KeyError, IndexError, TypeError, UnicodeError, LookupError) as exc:
            yield SgfError(PARSE_ERROR, f"{label}: {exc}")
        except (RecursionError, MemoryError, OverflowError, AttributeError, AssertionError) as exc:
            yield SgfError(UNEXPECTED, f"{label}: {type(exc).__name__}: {exc}")
    if error is not None:
        yield error


def _text(node, ident: str) -> str | None:
    try:
        if node.has_property(ident):
            value = node.get(ident)
            value = value.strip() if isinstance(value, str) else str(value)
            return value or None
    except (ValueError, UnicodeError, LookupError):
        return None
    return None


def _size(root: dict) -> int:
    raw = root.get("SZ")
    if not raw:
        return 19
    text = bytes(raw[0]).decode("ascii", "replace").strip()
    if not text.isascii() or not text.isdigit():  # "19:19" (rectangular), "x", "-1"
        raise SgfError(BAD_SIZE, f"SZ[{text[:20]}]")
    size = int(text)
    if not coords.MIN_SIZE <= size <= coords.MAX_SIZE:
        raise SgfError(BAD_SIZE, f"SZ[{size}]")
    return size


def _points(values, presenter, size: int) -> tuple[int, ...]:
    try:
        pts = sgf_properties.interpret_point_list(values, presenter)
    except (ValueError, TypeError) as exc:
        raise SgfError(BAD_POINT, f"{values[:3]!r}: {exc}") from None
    return tuple(sorted(r * size + c for r, c in pts))


def _record(coarse, name: str, data: bytes) -> GameRecord:
    root = coarse.sequence[0]
    size = _size(root)
    game = _sgf.Sgf_game.from_coarse_game_tree(coarse, override_encoding=_encoding(root, data))
    node = game.get_root()
    try:
        komi = float(game.get_komi())
        if komi != komi or abs(komi) > 1000:  # NaN, inf, nonsense
            komi = 0.0
    except (ValueError, TypeError, OverflowError):
        komi = 0.0
    try:
        handicap = int(game.get_handicap() or 0)
        handicap = handicap if 0 <= handicap <= size * size else 0
    except (ValueError, TypeError):
        handicap = 0
    rec = GameRecord(source=name, size=size, komi=komi, handicap=handicap,
                     result=_text(node, "RE"), black=_text(node, "PB"), white=_text(node, "PW"),
                     black_rank=_text(node, "BR"), white_rank=_text(node, "WR"),
                     date=_text(node, "DT"))
    first_player = None
    pl = root.get("PL")
    if pl:
        first_player = {b"B": BLACK, b"W": WHITE}.get(bytes(pl[0]).strip().upper()[:1])
    presenter, moves, setup = game.presenter, rec.moves, rec.setup
    point = sgf_properties.interpret_go_point
    for props in sgf_grammar.main_sequence_iter(coarse):
        if "AB" in props or "AW" in props or "AE" in props:
            for ident, color in (("AE", EMPTY), ("AB", BLACK), ("AW", WHITE)):
                if ident in props:
                    pts = _points(props[ident], presenter, size)
                    if not pts:
                        continue
                    if moves:  # setup in mid-game cannot be replayed as moves: stop the game there
                        rec.illegal = "setup stones in mid-game"
                        break
                    setup.append((color, pts))
            if rec.illegal:
                break
        if "B" in props:
            color, raw = BLACK, props["B"][0]
        elif "W" in props:
            color, raw = WHITE, props["W"][0]
        else:
            continue
        try:
            move = point(raw, size)
        except (ValueError, TypeError):
            raise SgfError(BAD_POINT, f"{'BW'[color - 1]}[{bytes(raw)[:8]!r}]") from None
        moves.append((color, None if move is None else move[0] * size + move[1]))
    if first_player is None:
        first_player = moves[0][0] if moves else (WHITE if handicap >= 2 and setup else BLACK)
    rec.first_player = first_player
    _replay_check(rec)
    return rec


def _replay_check(rec: GameRecord) -> None:
    """Replay the main line; cut it at the first illegal move."""
    board = rec.board()
    for i, (color, point) in enumerate(rec.moves):
        try:
            board.play(color, point)
        except IllegalMove as exc:
            rec.illegal = f"move {i + 1}: {exc.reason}"
            del rec.moves[i:]
            return


def read_games(paths: Iterable[str | os.PathLike], filters: Filters | None = None,
               stats: ReadStats | None = None, dedupe: bool = True) -> Iterator[GameRecord]:
    """Every usable game in the sources, in order; skips are counted in ``stats``."""
    stats = stats if stats is not None else ReadStats()
    filters = filters or Filters()
    seen: set[bytes] = set()
    for name, data in iter_files(paths, stats):
        for rec in games_in_file(name, data, stats, filters):
            if dedupe:
                d = rec.digest()
                if d in seen:
                    stats.duplicates += 1
                    continue
                seen.add(d)
            _count(stats, rec)
            yield rec


def games_in_file(name: str, data: bytes, stats: ReadStats, filters: Filters) -> Iterator[GameRecord]:
    """Records of one file that pass the filters (skips counted; not yet de-duplicated)."""
    try:
        items = list(parse_games(data, name))
    except SgfError as exc:
        stats.skipped[exc.reason] += 1
        return
    for item in items:
        if isinstance(item, SgfError):
            stats.skipped[item.reason] += 1
            continue
        reason = filters.reason(item)
        if reason is not None:
            stats.skipped[reason] += 1
            continue
        yield item


def _count(stats: ReadStats, rec: GameRecord) -> None:
    stats.games += 1
    stats.positions += len(rec.moves)
    stats.sizes[rec.size] += 1
    if rec.illegal:
        stats.truncated += 1


# ---------------------------------------------------------------------- writing
def history_to_sgf(history: Iterable[tuple], size: int, komi: float = 7.5, *, result: str | None = None,
                   black: str | None = None, white: str | None = None, date=None,
                   handicap: int = 0, comment: str | None = None, application: str = "gocnn") -> bytes:
    """The one SGF writer: an FF[4] record (UTF-8) of a game as :attr:`Board.history` holds it -
    ``("setup", colour, points)``, ``("turn", colour, None)`` and ``("move", colour, point or
    None)`` entries.  Setup and turn entries before the first move become the root's AB/AW/AE and
    PL; later ones go on the node before the next move (a position edited mid-game).  ``date``
    is an ISO date string or a ``datetime.date``."""
    if hasattr(date, "isoformat"):
        date = date.isoformat()
    game = new_sgf_game(size, komi, result=result, black=black, white=white, date=date,
                        handicap=handicap, comment=comment, application=application)
    node = game.get_root()
    pending: dict[int, set] = {BLACK: set(), WHITE: set(), EMPTY: set()}
    turn = None

    def flush(target) -> None:
        nonlocal turn
        if pending[BLACK] or pending[WHITE]:
            black_set, white_set, _ = target.get_setup_stones()
            target.set_setup_stones(black_set | pending[BLACK], white_set | pending[WHITE],
                                    pending[EMPTY] or None)
        elif pending[EMPTY]:
            target.set("AE", pending[EMPTY])
        if turn is not None:
            target.set("PL", "b" if turn == BLACK else "w")
        for points in pending.values():
            points.clear()
        turn = None

    for kind, color, arg in history:
        if kind == "setup":
            for p in arg:
                rc = coords.from_flat(p, size)
                for points in pending.values():
                    points.discard(rc)
                pending[color].add(rc)
        elif kind == "turn":
            turn = color
        else:
            flush(node)
            node = game.extend_main_sequence()
            node.set_move("b" if color == BLACK else "w", None if arg is None else coords.from_flat(arg, size))
    flush(node)
    return game.serialise()


def game_to_sgf(size: int, moves: Iterable[tuple[int, int | None]], komi: float = 7.5,
                setup: Iterable[tuple[int, Iterable[int]]] = (), result: str | None = None,
                black: str | None = None, white: str | None = None, date: str | None = None,
                handicap: int = 0, comment: str | None = None, application: str = "gocnn",
                first_player: int | None = None) -> bytes:
    """An FF[4] SGF record of one game given as setup stones and moves (through
    :func:`history_to_sgf`); PL is written when ``first_player`` is given and stones are set up."""
    setup = [(color, tuple(points)) for color, points in setup]
    history: list[tuple] = [("setup", color, points) for color, points in setup]
    if first_player is not None and any(points for color, points in setup if color != EMPTY):
        history.append(("turn", first_player, None))
    history += [("move", color, point) for color, point in moves]
    return history_to_sgf(history, size, komi, result=result, black=black, white=white, date=date,
                          handicap=handicap, comment=comment, application=application)


def new_sgf_game(size: int, komi: float = 7.5, *, result: str | None = None, black: str | None = None,
                 white: str | None = None, date: str | None = None, handicap: int = 0,
                 comment: str | None = None, application: str = "gocnn") -> "_sgf.Sgf_game":
    """An sgfmill game (UTF-8) whose root holds the game information gocnn writes:
    KM, AP, DT (default today), and HA/PB/PW/RE/GC where given."""
    game = _sgf.Sgf_game(size=size, encoding="UTF-8")
    root = game.get_root()
    root.set("KM", float(komi))
    root.set("AP", (application, _version()))
    root.set("DT", date or _dt.date.today().isoformat())
    if handicap:
        root.set("HA", int(handicap))
    if black:
        root.set("PB", black)
    if white:
        root.set("PW", white)
    if result:
        root.set("RE", result)
    if comment:
        root.set("GC", comment)
    return game


def _version() -> str:
    from gocnn import __version__
    return __version__
