"""``gocnn arena``: the win rate of net A against net B with a 95% (Wilson) interval.

Colours alternate (A is Black in even games); both nets sample their moves from the policy
(temperature 1, as AlphaGo compared its policy nets) through the engine's play-well rule, so
the games differ; all games run through the batched runner.  A draw counts half.  Used to
accept a new checkpoint when the interval's lower end is above 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gocnn.errors import GocnnError

from selfplay.games import game_path, specs_for
from gocnn import util
from gocnn.play.game import Net, play_games


@dataclass(frozen=True)
class ArenaConfig:
    """``gocnn arena``'s options (and three the command leaves at their defaults)."""
    a: str | Path
    b: str | Path
    games: int = 100
    size: int = 19
    komi: float = 7.5
    seed: int = 0
    temperature: float = 1.0  # both nets sample at this temperature
    out: str | Path | None = None  # every game as SGF here
    visits: int = 1           # search simulations a move for both nets (1: the policy alone)
    batch: int = 64           # games advanced together per forward pass
    max_moves: int | None = None  # None: the runner's cap
    device: str | None = None     # None: cuda when there is one, else cpu


def run_arena(cfg: ArenaConfig, progress: bool = True) -> dict:
    """Play the games; return the win rate of A with its interval.  ``progress``: a progress
    bar on stderr."""
    from gocnn.gtp.match import wilson

    if cfg.games < 1:
        raise GocnnError("--games must be at least 1")
    device = cfg.device
    if device is None:
        import torch
        device = "cuda" if torch.cuda.is_available() else "cpu"
    nets = [Net.load(cfg.a, device), Net.load(cfg.b, device)]
    out_dir = Path(cfg.out) if cfg.out else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    bar = util.progress(cfg.games, "arena") if progress else None

    def done(r):
        if bar:
            bar.advance(1, f"{len(r.moves)} moves, {r.result}")
        if out_dir:
            util.atomic_write_bytes(game_path(out_dir, r.index), r.sgf())

    results = play_games(nets, specs_for(range(cfg.games), cfg.seed, True), size=cfg.size, komi=cfg.komi,
                         temperature=cfg.temperature, batch=cfg.batch, on_done=done,
                         max_moves=cfg.max_moves, visits=cfg.visits)
    if bar:
        bar.close()
    wins_a = 0.0
    as_black = {"wins": 0.0, "games": 0}
    for r in results:
        a_color = 1 if r.black_net == 0 else 2
        score = 0.5 if r.winner is None else float(r.winner == a_color)
        wins_a += score
        if a_color == 1:
            as_black["games"] += 1
            as_black["wins"] += score
    lo, hi = wilson(wins_a, cfg.games)
    return {"a": nets[0].name, "b": nets[1].name, "games": cfg.games, "wins_a": wins_a,
            "wins_b": cfg.games - wins_a, "win_rate_a": round(wins_a / cfg.games, 4),
            "ci95": [round(lo, 4), round(hi, 4)], "a_as_black": as_black, "accept_a": lo > 0.5,
            "size": cfg.size, "komi": cfg.komi, "temperature": cfg.temperature, "visits": cfg.visits,
            "mean_moves": round(sum(len(r.moves) for r in results) / len(results), 1)}
