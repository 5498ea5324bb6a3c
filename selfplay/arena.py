"""``gocnn arena``: the win rate of net A against net B with a 95% (Wilson) interval.

Colours alternate (A is Black in even games); both nets sample their moves from the policy
(temperature 1, as AlphaGo compared its policy nets) through the engine's play-well rule, so
the games differ; all games run through the batched runner.  A draw counts half.  Used to
accept a new checkpoint when the interval's lower end is above 0.5.
"""

from __future__ import annotations

from pathlib import Path

from gocnn.errors import GocnnError

from selfplay.games import game_path, specs_for
from gocnn import util
from gocnn.play.game import Net, play_games


def run_arena(a, b, games: int, size: int = 19, komi: float = 7.5, seed: int = 0, temperature: float = 1.0,
              batch: int = 64, out=None, device: str | None = None, progress: bool = True,
              max_moves: int | None = None, visits: int = 1) -> dict:
    from gocnn.gtp.match import wilson

    if games < 1:
        raise GocnnError("--games must be at least 1")
    if device is None:
        import torch
        device = "cuda" if torch.cuda.is_available() else "cpu"
    nets = [Net.load(a, device), Net.load(b, device)]
    out_dir = Path(out) if out else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    bar = util.progress(games, "arena") if progress else None

    def done(r):
        if bar:
            bar.advance(1, f"{len(r.moves)} moves, {r.result}")
        if out_dir:
            util.atomic_write_bytes(game_path(out_dir, r.index), r.sgf())

    results = play_games(nets, specs_for(range(games), seed, True), size=size, komi=komi,
                         temperature=temperature, batch=batch, on_done=done, max_moves=max_moves,
                         visits=visits)
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
    lo, hi = wilson(wins_a, games)
    return {"a": nets[0].name, "b": nets[1].name, "games": games, "wins_a": wins_a, "wins_b": games - wins_a,
            "win_rate_a": round(wins_a / games, 4), "ci95": [round(lo, 4), round(hi, 4)],
            "a_as_black": as_black, "accept_a": lo > 0.5, "size": size, "komi": komi,
            "temperature": temperature, "visits": visits,
            "mean_moves": round(sum(len(r.moves) for r in results) / len(results), 1)}
