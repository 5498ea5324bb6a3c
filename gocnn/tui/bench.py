"""``gocnn bench tui-startup``: how fast ``gocnn play`` shows its first screen.

Each run is a fresh Python process, timed from before it is spawned until it exits: it builds
the app exactly as ``gocnn play`` does (the net loads in a worker) and exits once the first
screen has been drawn, headless.  The peer is a bare Textual app (one Static) started the
same way in the same run, so the ratio says what gocnn adds to Textual's own start-up
(above 1.0 would mean faster than the bare app).  Times are wall clock, read by the
child when its screen is up, so process exit and a worker still loading torch do not count.  A second figure, ``net_ready_seconds``, runs
until the net (torch and the model) has loaded too, which the first screen never waits for.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

_CHILD = "from gocnn.tui.bench import _child; _child({mode!r}, {model!r})"


def _child(mode: str, model: str | None) -> None:
    """Run in the spawned process: start an app headless, exit when it is ready, and print the
    wall-clock times (``time.time()``) of the first screen and of the net being ready.

    It leaves with ``os._exit`` so that a worker still importing torch does not hold the
    process (and the measurement) open."""
    import os

    out: dict = {}
    if mode == "peer":
        from textual.app import App
        from textual.widgets import Static

        class Bare(App):
            def compose(self):
                yield Static("hello")

            def on_mount(self):
                self.call_after_refresh(self._ready)

            def _ready(self):
                out["screen"] = time.time()
                self.exit()

        Bare().run(headless=True)
    else:
        from gocnn.tui.analysis import load_player
        from gocnn.tui.app import GoApp

        def factory():
            player, note = load_player(model)
            out["notice"] = note
            out["player"] = getattr(player, "name", type(player).__name__)
            return player, note

        def on_ready(stage: str) -> None:
            out[stage] = time.time()
            if stage == mode:
                sys.stdout.write(json.dumps(out) + "\n")
                sys.stdout.flush()
                os._exit(0)

        GoApp(player_factory=factory, size=19, on_ready=on_ready).run(headless=True)
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
    os._exit(0)


def _time_child(mode: str, model: str | None) -> tuple[float, dict]:
    """Seconds from just before the process is spawned to its first screen (or to the net
    being ready, in mode ``net``), and what the child said."""
    start = time.time()
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(mode=mode, model=model)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"start-up run ({mode}) failed:\n{proc.stderr[-2000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    info = json.loads(lines[-1]) if lines else {}
    key = "net" if mode == "net" else "screen"
    if not info.get(key):
        raise RuntimeError(f"start-up run ({mode}) did not report its time: {proc.stdout[-500:]}")
    return info[key] - start, info


def bench_tui_startup(args) -> int:
    runs = max(1, int(getattr(args, "games", None) or 5))
    model = getattr(args, "model", None)
    _time_child("peer", None)  # warm the file cache for both
    ours, peer, net, info = [], [], [], {}
    for _ in range(runs):
        peer.append(_time_child("peer", None)[0])
        ours.append(_time_child("screen", model)[0])
    for _ in range(max(1, runs // 2)):
        seconds, info = _time_child("net", model)
        net.append(seconds)
    t_ours, t_peer, t_net = statistics.median(ours), statistics.median(peer), statistics.median(net)
    result = {
        "bench": "tui-startup",
        "rate": round(1.0 / t_ours, 3),
        "unit": "starts/s (process start to first screen, headless)",
        "seconds": round(t_ours, 3),
        "peer": "bare Textual app (one Static), same process start-up",
        "peer_rate": round(1.0 / t_peer, 3),
        "peer_seconds": round(t_peer, 3),
        "ratio": round(t_peer / t_ours, 3),
        "net_ready_seconds": round(t_net, 3),
        "player": info.get("player"),
        "net_notice": info.get("notice"),
        "runs": runs,
        "under_2s": t_ours < 2.0,
    }
    print(f"gocnn play first screen: {t_ours:.3f} s (median of {runs}); "
          f"bare Textual app: {t_peer:.3f} s; ratio {t_peer / t_ours:.2f}")
    print(f"net ready (player {info.get('player')}): {t_net:.3f} s"
          + (f" - {info['notice']}" if info.get("notice") else ""))
    if getattr(args, "json", False):
        from gocnn.cli import emit_json
        emit_json(result)
    return 0
