"""``gocnn bench tui-startup``: how fast ``gocnn play`` shows its first screen.

Each run is a fresh Python process (``python -m gocnn.bench.tui_startup MODE [MODEL]``), timed by
the harness from before it is spawned until it exits.  It builds the app exactly as
``gocnn play`` does (the net loads in a worker) and leaves with ``os._exit`` from the app's
``on_ready`` callback as soon as the first screen has been drawn, headless - so neither
interpreter shutdown nor a worker still importing torch is counted.  The peer is a bare Textual
app (one Static, :mod:`gocnn.bench.peers.bare_textual`) started and left the same way, in turn
with ours, so the ratio says what gocnn adds to Textual's own start-up (above 1.0 would mean
faster than the bare app).

A second figure, ``net_ready_seconds`` (also ``sets.net_ready``), runs until the net (torch and
the model) has loaded too, which the first screen never waits for.  Runs go on, a pair at a
time, for ``--seconds``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from gocnn.bench.harness import BenchResult, Figure, Spec, measure

SPEC = Spec(seconds=10.0, threaded=False, model=True)
PEER = "bare Textual app (one Static), same process start-up"
PEER_SCRIPT = Path(__file__).resolve().parent / "peers" / "bare_textual.py"


def child(mode: str, model: str | None) -> None:
    """In the spawned process: start ``gocnn play``'s app headless and leave once it is ready
    (``mode`` ``screen`` or ``net``), printing what it knows as one JSON line."""
    from gocnn.tui.analysis import load_player
    from gocnn.tui.app import GoApp

    out: dict = {}

    def factory():
        player, note = load_player(model)
        out.update(notice=note, player=getattr(player, "name", type(player).__name__))
        return player, note

    def on_ready(stage: str) -> None:
        if stage == mode:
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()
            os._exit(0)

    GoApp(player_factory=factory, size=19, on_ready=on_ready).run(headless=True)


def spawn(mode: str, model: str | None) -> dict:
    """One start-up in a fresh process; what the child said.  Raises RuntimeError if it fails."""
    if mode == "peer":
        cmd = [sys.executable, str(PEER_SCRIPT)]
    else:
        cmd = [sys.executable, "-m", "gocnn.bench.tui_startup", mode] + ([model] if model else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"start-up run ({mode}) failed:\n{(proc.stderr or proc.stdout)[-2000:]}")
    return json.loads(lines[-1])


def run(opts) -> BenchResult:
    said: dict = {}
    spawn("peer", None)  # warm the file cache for both
    t = measure({"peer": lambda: spawn("peer", None), "ours": lambda: spawn("screen", opts.model)},
                seconds=opts.seconds * 2 / 3)
    net = measure({"net": lambda: said.update(spawn("net", opts.model))}, seconds=opts.seconds / 3)["net"]
    ours, peer, t_net = t["ours"].ms(50) / 1000, t["peer"].ms(50) / 1000, net.ms(50) / 1000
    runs = len(t["ours"].wall)
    notice = said.get("notice")
    return BenchResult(
        "tui-startup", 1 / ours, "starts/s (process start to first screen, headless)", PEER, 1 / peer,
        sets={"net_ready": Figure(1 / t_net, unit="starts/s (process start to the net loaded)")},
        extra={"seconds": round(ours, 3), "peer_seconds": round(peer, 3), "net_ready_seconds": round(t_net, 3),
               "player": said.get("player"), "net_notice": notice, "runs": runs, "under_2s": ours < 2.0},
        lines=[f"gocnn play first screen: {ours:.3f} s (median of {runs}); bare Textual app: {peer:.3f} s; "
               f"ratio {peer / ours:.2f}",
               f"net ready (player {said.get('player')}): {t_net:.3f} s" + (f" - {notice}" if notice else "")])


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
