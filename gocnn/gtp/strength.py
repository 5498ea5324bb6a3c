"""A strength curve: one net at several search sizes, against a referee engine and each other.

``gocnn strength --visits 1,100,400,1600 --games 10 --size 9`` plays, through the match referee
(:func:`gocnn.gtp.match.run_match`, colours alternating), every visit count against the
opponent (GNU Go level 10 by default) and every visit count against the one below it.  The
result is a table - wins, win rate with its 95% Wilson interval, seconds a move - written as
``strength.json`` and drawn as ``strength.png`` in ``--out``, with every game as SGF beside it.
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from gocnn import util
from gocnn.errors import GocnnError
from gocnn.gtp.match import MatchConfig, run_match

DEFAULT_OPPONENT = "/usr/games/gnugo --mode gtp --level 10 --chinese-rules"  # area scoring, as the referee


@dataclass(frozen=True)
class StrengthConfig:
    visits: tuple[int, ...] = (1, 100, 400, 1600)
    opponent: str = DEFAULT_OPPONENT
    games: int = 10          # games of each visit count against the opponent (0: none)
    pair_games: int = 10     # games of each visit count against the one below it (0: none)
    size: int = 9
    komi: float = 7.5
    model: str | None = None
    threads: int = 1
    mix: float | None = None
    move_time: float = 120.0
    out: str | None = None


def engine_command(cfg: StrengthConfig, visits: int) -> str:
    """The GTP command line of the net at ``visits`` (a fresh ``gocnn gtp`` process)."""
    parts = [sys.executable, "-m", "gocnn", "gtp", "--visits", str(visits), "--threads", str(cfg.threads)]
    if cfg.model:
        parts += ["--model", str(cfg.model)]
    if cfg.mix is not None:
        parts += ["--mix", str(cfg.mix)]
    return shlex.join(parts)


def _check(cfg: StrengthConfig) -> None:
    if not cfg.visits or any(v < 1 for v in cfg.visits):
        raise GocnnError("--visits needs one or more counts of at least 1, e.g. 1,100,400")
    if list(cfg.visits) != sorted(set(cfg.visits)):
        raise GocnnError("--visits must be increasing, without repeats (e.g. 1,100,400,1600)")
    if cfg.games < 0 or cfg.pair_games < 0 or cfg.games + cfg.pair_games == 0:
        raise GocnnError("--games and --pair-games must be 0 or more, and not both 0")
    if cfg.model and not Path(cfg.model).is_file():
        raise GocnnError(f"no model file at {cfg.model}")


def _row(kind: str, visits: int, against: str | None, summary: dict) -> dict:
    a = summary["engines"]["A"]
    return {"kind": kind, "visits": visits, "against": against or summary["engines"]["B"]["name"], "games": summary["games"],
            "decided": summary["decided"], "wins": a["wins"], "win_rate": a["win_rate"],
            "ci95": a["ci95"], "sec_per_move": a["sec_per_move"],
            "opponent_sec_per_move": summary["engines"]["B"]["sec_per_move"],
            "results": summary["results"]}


def run_strength(cfg: StrengthConfig, progress=None) -> dict:
    """Play the curve; return ``{"config", "rows"}`` (and write JSON, PNG and SGF to ``out``).
    ``progress(row)`` is called as each match ends."""
    _check(cfg)
    out = Path(cfg.out) if cfg.out else None
    plan = [("opponent", v, None, cfg.opponent, cfg.games) for v in cfg.visits if cfg.games]
    if cfg.pair_games:
        plan += [("pair", hi, f"{lo} visits", engine_command(cfg, lo), cfg.pair_games)
                 for lo, hi in zip(cfg.visits, cfg.visits[1:])]
    rows = []
    for kind, visits, against, other, games in plan:
        sgf_dir = out / f"{kind}-{visits}" if out else None
        match = MatchConfig(engine_command(cfg, visits), other, games, size=cfg.size, komi=cfg.komi,
                            alternate=True, move_time=cfg.move_time, out=sgf_dir)
        _, summary = run_match(match)
        rows.append(_row(kind, visits, against, summary))
        if progress:
            progress(rows[-1])
    report = {"config": asdict(cfg), "rows": rows}
    if out:
        out.mkdir(parents=True, exist_ok=True)
        util.atomic_write_text(out / "strength.json", json.dumps(report, indent=1) + "\n")
        plot(rows, out / "strength.png", title=f"{cfg.size}x{cfg.size}, komi {cfg.komi}")
        report["png"] = str(out / "strength.png")
    return report


def plot(rows: list[dict], path: Path, title: str = "") -> None:
    """Win rate against visits (log scale), with the 95% intervals: against the opponent (blue)
    and against the next smaller visit count (red), as a PNG (Pillow)."""
    import math

    from PIL import Image, ImageDraw
    W, H, left, right, top, bottom = 720, 440, 60, 30, 50, 60
    img = Image.new("RGB", (W, H), "white")
    d = ImageDraw.Draw(img)
    visits = sorted({r["visits"] for r in rows})
    span = max(math.log10(visits[-1]) - math.log10(visits[0]), 1e-9)

    def x_of(v: int) -> float:
        if len(visits) == 1:
            return (left + W - right) / 2
        return left + 30 + (math.log10(v) - math.log10(visits[0])) / span * (W - left - right - 60)

    def y_of(p: float) -> float:
        return H - bottom - p * (H - top - bottom)

    d.rectangle([left, top, W - right, H - bottom], outline="black")
    d.text((left, 15), f"gocnn strength curve {title}: win rate vs opponent (blue), "
                       f"vs previous visit count (red), 95% CI", fill="black")
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        d.line([left - 4, y_of(frac), left, y_of(frac)], fill="black")
        d.text((10, y_of(frac) - 6), f"{frac:.0%}", fill="black")
    d.line([left, y_of(0.5), W - right, y_of(0.5)], fill=(200, 200, 200))
    for v in visits:
        d.line([x_of(v), H - bottom, x_of(v), H - bottom + 4], fill="black")
        d.text((x_of(v) - 12, H - bottom + 8), f"{v}", fill="black")
    d.text((W // 2 - 30, H - 25), "visits a move", fill="black")
    for kind, colour, shift in (("opponent", (40, 80, 220), -4), ("pair", (220, 40, 40), 4)):
        pts = [(x_of(r["visits"]) + shift, r) for r in rows if r["kind"] == kind and r["win_rate"] is not None]
        if len(pts) > 1:
            d.line([(x, y_of(r["win_rate"])) for x, r in pts], fill=colour, width=2)
        for x, r in pts:
            lo, hi = r["ci95"]
            d.line([x, y_of(lo), x, y_of(hi)], fill=colour)
            d.ellipse([x - 4, y_of(r["win_rate"]) - 4, x + 4, y_of(r["win_rate"]) + 4], fill=colour)
    util.atomic_write_bytes(path, util.png_bytes(img))


def table(rows: list[dict]) -> str:
    """The rows as a Markdown table."""
    lines = ["| visits | against | games | wins | win rate (95% CI) | s/move |", "|---|---|---|---|---|---|"]
    for r in rows:
        rate = "-" if r["win_rate"] is None else f"{r['win_rate']:.0%} ({r['ci95'][0]:.0%}-{r['ci95'][1]:.0%})"
        spm = "-" if r["sec_per_move"] is None else f"{r['sec_per_move']:.2f}"
        lines.append(f"| {r['visits']} | {r['against']} | {r['games']} | {r['wins']:g} | {rate} | {spm} |")
    return "\n".join(lines)
