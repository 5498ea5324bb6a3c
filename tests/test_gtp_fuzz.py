"""Bad input: tens of thousands of random and mutated GTP lines.

Every reply must be well formed (``=``/``?``, the id echoed, one blank line at the end), the
engine must never die or hang, and its board must match an independent replay of every move
it accepted, kept on sgfmill's ``boards.Board`` with its own legality rules (occupied,
suicide, simple ko).  Rejections are checked against the same referee: an ``illegal move``
must be illegal there too, an ``=`` to ``play`` legal."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import threading
import queue

import pytest
from sgfmill import boards

from gocnn.go import coords
from gocnn.go.board import EMPTY, BLACK, WHITE
from gocnn.play.policy import RandomPlayer
from gocnn.gtp.engine import GtpEngine

COLS = coords.GTP_COLUMNS
REPLY = re.compile(r"^[=?](\d*)( [^\n]*)?(\n[^\n]+)*\n\n$")


class Referee:
    """The independent replay: size, setup stones, the moves accepted, on sgfmill's board."""

    def __init__(self, size: int = 19):
        self.size = size
        self.setup: list[tuple[int, int]] = []
        self.moves: list[tuple[str, tuple[int, int] | None]] = []
        self.rebuild()

    def rebuild(self) -> None:
        self.board = boards.Board(self.size)
        self.ko: tuple[str, tuple[int, int]] | None = None  # (colour it binds, point)
        for r, c in self.setup:
            self.board.play(r, c, "b")
        moves, self.moves = self.moves, []
        for colour, move in moves:
            assert self.why_illegal(colour, move) is None
            self.apply(colour, move)

    def why_illegal(self, colour: str, move) -> str | None:
        if move is None:
            return None
        r, c = move
        if not (0 <= r < self.size and 0 <= c < self.size):
            return "off board"
        if self.board.get(r, c) is not None:
            return "occupied"
        trial = self.board.copy()
        trial.play(r, c, colour)
        if trial.get(r, c) is None:
            return "suicide"
        if self.ko == (colour, move):
            return "ko"
        return None

    def apply(self, colour: str, move) -> None:
        self.moves.append((colour, move))
        if move is None:
            self.ko = None
            return
        ko_point = self.board.play(move[0], move[1], colour)
        self.ko = None if ko_point is None else ("w" if colour == "b" else "b", ko_point)

    def colours(self) -> list[int]:
        out = []
        for p in range(self.size * self.size):
            v = self.board.get(*divmod(p, self.size))
            out.append({None: EMPTY, "b": BLACK, "w": WHITE}[v])
        return out


def vertex(move, size: int) -> str:
    return coords.to_gtp(move, size)


def parse_vertex(word: str, size: int):
    return coords.from_gtp(word, size)


class Fuzzer:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.size = 19
        self.stones: set[tuple[int, int]] = set()

    def colour(self) -> str:
        r = self.rng.random()
        if r < 0.9:
            return self.rng.choice(["b", "w", "B", "W", "black", "WHITE", "White", "bLaCk"])
        return self.rng.choice(["x", "", "bw", "0", "blackk", "ä", "-1"])

    def point(self) -> str:
        rng, size = self.rng, self.size
        r = rng.random()
        if r < 0.7:
            v = vertex((rng.randrange(size), rng.randrange(size)), size)
            return v.lower() if rng.random() < 0.3 else v
        if r < 0.75:
            return rng.choice(["pass", "PASS", "Pass"])
        if r < 0.85:  # off the board
            return f"{rng.choice(COLS)}{rng.randint(size + 1, 30)}"
        return rng.choice(["i5", "a0", "a-1", "", "5a", "aa", "A 1", "zz99", "resign", "A1A1",
                           "\u00e91", "T" * 50, "a" + "9" * 30])

    def line(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.45:
            cmd = f"play {self.colour()} {self.point()}"
        elif kind < 0.52:
            cmd = f"genmove {self.colour()}"
        elif kind < 0.56:
            cmd = "undo"
        elif kind < 0.60:
            n = rng.choice([0, 1, 26, -1, 2, 3, 5, 5, 5, 7, 9, 9, 13, 19, 25, 100, "abc", "5.5", ""])
            cmd = f"boardsize {n}"
        elif kind < 0.62:
            cmd = f"komi {rng.choice(['6.5', 'abc', '-0.5', 'inf', 'nan', '1e400', '', '7'])}"
        elif kind < 0.64:
            cmd = "clear_board"
        elif kind < 0.67:
            cmd = f"{rng.choice(['fixed_handicap', 'place_free_handicap'])} {rng.choice([0, 1, 2, 4, 5, 9, 10, 'x', 400])}"
        elif kind < 0.69:
            cmd = "set_free_handicap " + " ".join(self.point() for _ in range(rng.randint(0, 5)))
        elif kind < 0.72:
            cmd = rng.choice(["showboard", "list_stones b", "list_stones w", "final_score",
                              "final_status_list dead", "final_status_list alive", "printsgf",
                              f"is_legal {self.colour()} {self.point()}", "kgs-game_over",
                              f"reg_genmove {self.colour()}", f"kgs-genmove_cleanup {self.colour()}",
                              f"lz-analyze {self.colour()} 10", f"lz-genmove_analyze {self.colour()} 10",
                              "gocnn-policy", "gocnn-policy_gfx", "gogui-analyze_commands",
                              "time_settings 10 5 1", "time_left b 3 0", "kgs-time_settings byoyomi 1 2 3",
                              "list_commands", "known_command play", "version", "name",
                              "protocol_version"])
        elif kind < 0.80:  # random bytes
            n = rng.choice([1, 3, 10, 40, 200])
            cmd = bytes(rng.randrange(256) for _ in range(n)).replace(b"\n", b" ").decode("latin-1")
        elif kind < 0.81:  # a huge line
            cmd = rng.choice(["play b ", "name ", "", "komi ", "boardsize "]) + "x" * rng.choice([10_000, 200_000])
        else:  # a mutated valid command
            base = list(rng.choice([f"play b {self.point()}", "genmove w", "boardsize 9", "komi 5.5",
                                    "fixed_handicap 4", "undo", "final_score", "lz-analyze b 10"]))
            for _ in range(rng.randint(1, 3)):
                op = rng.random()
                i = rng.randrange(len(base) + 1)
                ch = chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 32), rng.randrange(128, 0x3000)]))
                if op < 0.4:
                    base.insert(i, ch)
                elif base and op < 0.7:
                    del base[min(i, len(base) - 1)]
                elif base:
                    base[min(i, len(base) - 1)] = ch
            cmd = "".join(base).replace("\n", " ")
        if rng.random() < 0.1:
            cmd = f"{rng.randrange(1000)} {cmd}"
        if rng.random() < 0.05:
            cmd += rng.choice(["\r", " # comment", "\t", "  "])
        return cmd


def spec_words(line: str) -> list[str]:
    """GTP 2 section 3.1, written out again: control characters but HT and LF dropped,
    comments cut, HT to space."""
    line = "".join(ch for ch in line if ch in "\t\n" or not (ord(ch) < 32 or ord(ch) == 127))
    return line.split("#")[0].replace("\t", " ").split(" ") and line.split("#")[0].replace("\t", " ").split()


def check_reply(line: str, reply: str) -> None:
    assert REPLY.match(reply), f"malformed reply {reply[:300]!r} to {line[:200]!r}"
    words = spec_words(line)
    if words and re.fullmatch(r"[0-9]+", words[0]) and reply:
        # the id is echoed (up to 18 digits)
        assert REPLY.match(reply).group(1) == words[0][:18], (line, reply)


def fuzz(lines: int, seed: int) -> dict:
    e = GtpEngine(RandomPlayer(seed=seed), scoring_playouts=16)
    e.handle("boardsize 5")
    ref = Referee(5)
    fz = Fuzzer(seed)
    fz.size = 5
    stats = {"replies": 0, "illegal": {}, "accepted_plays": 0, "captures": 0, "undo": 0}
    ko_script = ["boardsize 5", "play b b4", "play w c4", "play b a3", "play w d3", "play b b2",
                 "play w c2", "play w b3", "play b c3", "play w b3"]  # the last: a ko recapture
    script: list[str] = []
    for i in range(lines):
        if i % 500 == 250:
            script = list(ko_script)
        if script:
            line = script.pop(0)
        elif ref.ko is not None and fz.rng.random() < 0.5:
            line = f"play {ref.ko[0]} {vertex(ref.ko[1], ref.size)}"
        else:
            line = fz.line()
        before = e.board.captures[BLACK] + e.board.captures[WHITE]
        to_move = "b" if e.board.to_move == BLACK else "w"
        reply = e.handle(line)
        if not reply:
            continue
        stats["replies"] += 1
        check_reply(line, reply)
        ok = reply[0] == "="
        words = spec_words(line)
        if words and re.fullmatch(r"[0-9]+", words[0]):
            words = words[1:]
        name = words[0] if words else ""
        body = reply[:-2].split(" ", 1)[1] if " " in reply[:-2].split("\n")[0] else ""
        if name == "play" and len(words) == 3 and ok:
            move = parse_vertex(words[2], ref.size)
            colour = "b" if words[1].lower().startswith("b") else "w"
            why = ref.why_illegal(colour, move)
            assert why is None, f"{line!r} accepted but the referee says {why}"
            ref.apply(colour, move)
            stats["accepted_plays"] += 1
        elif name == "play" and reply.startswith("? illegal move"):
            colour = "b" if words[1].lower().startswith("b") else "w"
            try:
                move = parse_vertex(words[2], ref.size)
            except coords.CoordError:
                why = "off board"
            else:
                why = ref.why_illegal(colour, move)
            assert why is not None, f"{line!r} refused but the referee finds it legal"
            stats["illegal"][why] = stats["illegal"].get(why, 0) + 1
        elif name in ("genmove", "kgs-genmove_cleanup", "lz-genmove_analyze") and ok:
            colour = words[1].lower()[:1] if len(words) > 1 and words[1].lower() in ("b", "w", "black", "white") \
                else to_move  # lz-genmove_analyze's colour is optional
            word = reply[:-2].split("\n")[-1].replace("play ", "").lstrip("= ").strip() if name == "lz-genmove_analyze" \
                else body.strip()
            if word.lower() != "resign":
                move = parse_vertex(word, ref.size)
                assert ref.why_illegal(colour, move) is None, (line, reply)
                ref.apply(colour, move)
        elif name == "undo":
            if ok:
                ref.moves.pop()
                ref.rebuild()
                stats["undo"] += 1
            elif reply.startswith("? cannot undo"):
                assert not ref.moves, "undo refused with moves to take back"
        elif name == "boardsize" and ok:
            ref = Referee(int(words[1]))
            fz.size = ref.size
        elif name == "clear_board" and ok:
            ref = Referee(ref.size)
        elif name in ("fixed_handicap", "place_free_handicap") and ok:
            ref.setup = [parse_vertex(v, ref.size) for v in body.split()]
            ref.rebuild()
        elif name == "set_free_handicap" and ok:
            ref.setup = [parse_vertex(v, ref.size) for v in words[1:]]
            ref.rebuild()
        after = e.board.captures[BLACK] + e.board.captures[WHITE]
        stats["captures"] += after > before
        assert e.board.size == ref.size
        assert e.board.colors == ref.colours(), f"board out of step after {line!r}"
    return stats


def test_fuzz_in_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a mutated printsgf may write a file
    stats = fuzz(12_000, seed=1)
    assert stats["replies"] > 8_000
    # the run reached the cases it is meant to reach
    for why in ("occupied", "suicide", "ko", "off board"):
        assert stats["illegal"].get(why, 0) > 0, stats
    assert stats["captures"] > 50 and stats["undo"] > 50 and stats["accepted_plays"] > 1000, stats


@pytest.mark.slow
def test_fuzz_in_process_large(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for seed in range(2, 7):
        fuzz(40_000, seed=seed)


def _replies(proc, out: "queue.Queue[bytes | None]"):
    for line in iter(proc.stdout.readline, b""):
        out.put(line)
    out.put(None)


def fuzz_process(lines: int, seed: int, tmp_path) -> int:
    """The real process over pipes: each fuzz line is followed by a sync command; every reply
    before the sync's must be well formed, and none may take longer than the hang limit."""
    proc = subprocess.Popen([sys.executable, "-m", "gocnn", "gtp", "--random"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp_path)
    out: "queue.Queue[bytes | None]" = queue.Queue()
    threading.Thread(target=_replies, args=(proc, out), daemon=True).start()
    fz = Fuzzer(seed)
    replies = 0

    def read_reply() -> str:
        chunks = []
        while True:
            raw = out.get(timeout=60)  # a hang fails the test
            assert raw is not None, "the engine died"
            chunks.append(raw.decode("utf-8", "replace"))
            if raw == b"\n" and len(chunks) > 1:
                return "".join(chunks)

    proc.stdin.write(b"boardsize 5\n")
    proc.stdin.flush()
    read_reply()
    for i in range(lines):
        line = fz.line()
        words = line.split()
        if words and words[0] in ("boardsize",) and len(words) > 1 and words[1] in ("19", "25"):
            line = "boardsize 7"
        proc.stdin.write(line.encode("utf-8", "surrogateescape") + b"\n" + f"999999 name\n".encode())
        proc.stdin.flush()
        while True:
            reply = read_reply()
            if reply.startswith("=999999 "):
                break
            if "\ninfo " in reply and not reply.endswith("\n\n"):
                continue
            assert REPLY.match(reply) or re.match(r"^=\d* \ninfo [^\n]*\n(info [^\n]*\n)*\n$", reply), reply[:300]
            replies += 1
    proc.stdin.write(b"quit\n")
    proc.stdin.flush()
    assert read_reply() == "= \n\n"
    assert proc.wait(timeout=30) == 0
    return replies


def test_fuzz_process(tmp_path):
    assert fuzz_process(1_500, seed=11, tmp_path=tmp_path) > 1_000
