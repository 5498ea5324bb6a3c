"""``gocnn bench NAME``: throughput figures for ours against a named peer, measured in the same run.

Each bench is a small function ``bench_<name>(args)`` that returns an exit code and, with
``--json``, prints one JSON object (``rate``, ``unit``, ``peer``, ``peer_rate``, ``ratio``; see
DESIGN.md) as the last line of stdout.  Helpers shared by benches live at the top.
"""

from __future__ import annotations

import time
from pathlib import Path

# ---------------------------------------------------------------------- shared helpers
REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "sgf"
SHARED_SGF = REPO.parent / "shared" / "data" / "sgf"
# A fixed subset of the shared archives: pro, KGS (with handicap games), Tom and Tygem games.
# KGS-2017_05 is held out for evaluation and never read here.
SHARED_BENCH_ARCHIVES = ("aeb-pro-games.tar.gz", "KGS-2015-19-8133-.tar.gz",
                         "tom-9d-2008.tar.gz", "tygem-9d-2016-07.tar.gz")


def default_sgf_sources() -> list[Path]:
    """The shared archives of the fixed subset when present, else the repository's samples."""
    shared = [SHARED_SGF / name for name in SHARED_BENCH_ARCHIVES]
    if all(p.is_file() for p in shared):
        return shared
    return [SAMPLES]


def best_time(fn, rounds: int, budget: float | None = None) -> float:
    """The shortest of ``rounds`` runs of ``fn()`` (at least one; fewer once ``budget`` s pass)."""
    best, start = float("inf"), time.perf_counter()
    for i in range(max(1, rounds)):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
        if budget is not None and i and time.perf_counter() - start > budget:
            break
    return best


def report(args, lines: list[str], result: dict) -> int:
    for line in lines:
        print(line)
    if getattr(args, "json", False):
        from gocnn.cli import emit_json
        emit_json(result)
    return 0


# ---------------------------------------------------------------------- replay
def _files_per_source(sources, games: int) -> list[bytes]:
    """The first SGF files of each source, ``games`` in all (split evenly over the sources)."""
    from gocnn import sgf
    per = -(-games // len(sources))
    out: list[bytes] = []
    for src in sources:
        taken = 0
        for _name, data in sgf.iter_files([src]):
            out.append(data)
            taken += 1
            if taken >= per:
                break
    return out[:games]


def _sgfmill_games(files: list[bytes]) -> list[tuple[int, tuple, list]]:
    """Parse with sgfmill: (size, (AB, AW, AE) as (row, col) lists, [(colour 'b'/'w', (row, col) or None)])."""
    from sgfmill import sgf as sgfmill_sgf
    games = []
    for data in files:
        try:
            game = sgfmill_sgf.Sgf_game.from_bytes(data)
            root = game.get_root()
            setup = root.get_setup_stones()
            moves = [m for m in (node.get_move() for node in game.get_main_sequence()[1:]) if m[0]]
        except ValueError:
            continue
        games.append((game.get_size(), setup, moves))
    return games


def _replay_ours(games) -> int:
    from gocnn.board import BLACK, WHITE, Board
    n = 0
    for size, (ab, aw, ae), moves in games:
        b = Board(size)
        if ab:
            b.setup(BLACK, [r * size + c for r, c in ab])
        if aw:
            b.setup(WHITE, [r * size + c for r, c in aw])
        play = b.play
        for colour, move in moves:
            play(BLACK if colour == "b" else WHITE, None if move is None else move[0] * size + move[1])
        n += len(moves)
    return n


def _replay_sgfmill(games) -> int:
    from sgfmill import boards
    n = 0
    for size, (ab, aw, ae), moves in games:
        b = boards.Board(size)
        if ab or aw or ae:
            b.apply_setup(ab, aw, ae)
        play = b.play
        for colour, move in moves:
            if move is not None:
                play(move[0], move[1], colour)
        n += len(moves)
    return n


def _parse_replay_ours(files: list[bytes]) -> int:
    from gocnn import sgf
    n = 0
    for data in files:
        try:
            for rec in sgf.parse_games(data):
                if not isinstance(rec, sgf.SgfError):
                    n += len(rec.moves)
        except sgf.SgfError:
            pass
    return n


def _parse_replay_sgfmill(files: list[bytes]) -> int:
    from sgfmill import sgf as sgfmill_sgf, sgf_moves
    n = 0
    for data in files:
        try:
            game = sgfmill_sgf.Sgf_game.from_bytes(data)
            board, plays = sgf_moves.get_setup_and_moves(game)
        except ValueError:
            continue
        for colour, move in plays:
            if move is not None:
                board.play(move[0], move[1], colour)
        n += len(plays)
    return n


def _same_final_boards(games) -> int:
    """How many games end on a different position in ours and in sgfmill's board (should be 0)."""
    from gocnn.board import BLACK, WHITE, Board
    from sgfmill import boards
    bad = 0
    for size, (ab, aw, ae), moves in games:
        ours, peer = Board(size), boards.Board(size)
        if ab or aw or ae:
            peer.apply_setup(ab, aw, ae)
            ours.setup(BLACK, [r * size + c for r, c in ab])
            ours.setup(WHITE, [r * size + c for r, c in aw])
        for colour, move in moves:
            ours.play(BLACK if colour == "b" else WHITE, None if move is None else move[0] * size + move[1])
            if move is not None:
                peer.play(move[0], move[1], colour)
        theirs = {r * size + c: BLACK if col == "b" else WHITE for col, (r, c) in peer.list_occupied_points()}
        mine = {p: v for p, v in enumerate(ours.colors) if v}
        bad += mine != theirs
    return bad


def bench_replay(args) -> int:
    """Replay throughput (moves/s): gocnn's Board, which keeps chains and liberties up to date,
    against sgfmill's boards.Board on the same games; also parse + replay for both."""
    games_wanted = args.games or 2000
    sources = [Path(args.data)] if args.data else default_sgf_sources()
    budget = args.seconds or 20.0
    files = _files_per_source(sources, games_wanted)
    games = _sgfmill_games(files)
    if not games:
        from gocnn.errors import GocnnError
        raise GocnnError(f"no games to measure in {', '.join(map(str, sources))}")
    moves = sum(len(m) for _, _, m in games)
    mismatches = _same_final_boards(games)
    rounds = 5
    t_ours = t_peer = float("inf")
    share = budget * 0.6 / rounds
    for _ in range(rounds):  # alternate, so that load from elsewhere hits both alike
        t_ours = min(t_ours, best_time(lambda: _replay_ours(games), 1))
        t_peer = min(t_peer, best_time(lambda: _replay_sgfmill(games), 1))
        if t_ours + t_peer > share:
            break
    pr_ours = best_time(lambda: _parse_replay_ours(files), 2, budget * 0.2)
    pr_peer = best_time(lambda: _parse_replay_sgfmill(files), 2, budget * 0.2)
    rate, peer_rate = moves / t_ours, moves / t_peer
    result = {
        "bench": "replay", "unit": "moves/s", "rate": round(rate), "peer": "sgfmill.boards.Board",
        "peer_rate": round(peer_rate), "ratio": round(rate / peer_rate, 3),
        "games": len(games), "moves": moves, "final_position_mismatches": mismatches,
        "data": [str(s) for s in sources],
        "parse_replay": {"rate": round(moves / pr_ours), "peer": "sgfmill.sgf + sgfmill.boards",
                         "peer_rate": round(moves / pr_peer), "ratio": round(pr_peer / pr_ours, 3)},
    }
    lines = [
        f"replay: {len(games)} games, {moves} moves ({', '.join(s.name for s in sources)})",
        f"  gocnn Board          {rate:12,.0f} moves/s",
        f"  sgfmill boards.Board {peer_rate:12,.0f} moves/s",
        f"  ratio                {rate / peer_rate:12.2f}x",
        f"parse + replay: gocnn.sgf {moves / pr_ours:,.0f} moves/s, sgfmill {moves / pr_peer:,.0f} moves/s "
        f"({pr_peer / pr_ours:.2f}x)",
        f"final positions differing from sgfmill: {mismatches}",
    ]
    return report(args, lines, result)


# ---------------------------------------------------------------------- train / infer
def conv_flops(net, size: int) -> float:
    """Multiply-adds x 2 of one forward pass of a position through every convolution."""
    import torch
    total = 0.0
    for m in net.modules():
        if isinstance(m, torch.nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1]
            total += 2.0 * m.in_channels * m.out_channels * k * size * size / m.groups
    return total


def _sample_shards(args) -> Path:
    """A shard directory to train on: --data, else the repo's samples built once into a cache."""
    if args.data:
        return Path(args.data)
    import tempfile
    from gocnn import data
    out = Path(tempfile.gettempdir()) / "gocnn-bench-shards"
    if not (out / "manifest.json").exists():
        data.build([SAMPLES], out, val_fraction=0.0, workers=1, progress=False)
    return out


def bench_train(args) -> int:
    """Training positions/s through the real pipeline (shards -> features -> batches from a
    DataLoader worker -> forward, backward, optimizer step) against a bare forward+backward of
    the same net on random tensors of the same shape: how close the pipeline gets to the
    machine's practical ceiling for this net."""
    import dataclasses

    import torch
    import torch.nn.functional as F

    from gocnn import data
    from gocnn.features import feature_set
    from gocnn.model import POLICY_PRESETS, build_policy

    if args.threads:
        torch.set_num_threads(args.threads)
    preset = getattr(args, "preset", None) or "small"
    batch = 128
    seconds = args.seconds or 20.0
    shards = _sample_shards(args)
    cfg = POLICY_PRESETS[preset]
    fs = feature_set(cfg.features)
    cfg = dataclasses.replace(cfg, in_channels=fs.planes)
    torch.manual_seed(0)
    net = build_policy(cfg).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9)

    def step(x, y):
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def rate_bare() -> float:
        x = torch.randn(batch, fs.planes, 19, 19).contiguous(memory_format=torch.channels_last)
        y = torch.randint(0, 361, (batch,))
        step(x, y)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 2 or n < 3:
            step(x, y)
            n += 1
        return n * batch / (time.perf_counter() - t0)

    def rate_pipeline() -> float:
        stream = data.BatchStream(shards, cfg.features, batch, seed=0, start=0, stop=10 ** 9)
        loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=1, prefetch_factor=4)
        it = iter(loader)
        for _ in range(2):  # warm the worker and the JIT
            _, x, y = next(it)
            step(x.float().contiguous(memory_format=torch.channels_last), y)
        n, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < seconds / 2 or n < 3:
            _, x, y = next(it)
            step(x.float().contiguous(memory_format=torch.channels_last), y)
            n += 1
        rate = n * batch / (time.perf_counter() - t0)
        del it, loader
        return rate

    bare = rate_bare()
    ours = rate_pipeline()
    flops = 3 * conv_flops(net, 19)  # forward + backward ~ 3 forwards
    result = {"bench": "train", "preset": preset, "features": cfg.features, "batch": batch,
              "threads": torch.get_num_threads(), "rate": round(ours, 1), "unit": "positions/s",
              "peer": "bare forward+backward of the same net on random tensors", "peer_rate": round(bare, 1),
              "ratio": round(ours / bare, 3), "gflops": round(ours * flops / 1e9, 1),
              "peer_gflops": round(bare * flops / 1e9, 1)}
    return report(args, [
        f"pipeline {ours:8.1f} positions/s ({result['gflops']} GFLOP/s)",
        f"bare     {bare:8.1f} positions/s ({result['peer_gflops']} GFLOP/s)",
        f"ratio    {result['ratio']:.3f} (goal >= 0.7)"], result)


def bench_infer(args) -> int:
    """Milliseconds per move at batch 1 of the default net including features (what genmove
    pays) against the bare forward of the net on a ready tensor."""
    import statistics

    import torch

    from gocnn import features, sgf
    from gocnn.engine import resolve_model_path
    from gocnn.model import for_inference, load_model

    torch.set_num_threads(args.threads or 1)
    path = resolve_model_path(args.model)
    net, cfg, _ = load_model(path)
    for_inference(net)
    rec = next(iter(sgf.read_games([SAMPLES / "tom-sample.tar.gz"])))
    board = rec.board()
    for color, point in rec.moves[:120]:
        board.play(color, point)
    n = args.games or 200

    def ours():
        x = torch.from_numpy(features.encode(board, cfg.features)).float()[None]
        with torch.inference_mode():
            logits = net(x)[0]
            logits = logits.masked_fill(x[0, 2].reshape(-1) == 0, float("-inf"))
            return torch.softmax(logits, 0).numpy()

    x0 = torch.from_numpy(features.encode(board, cfg.features)).float()[None]

    def bare():
        with torch.inference_mode():
            return net(x0)

    def times(fn):
        for _ in range(10):
            fn()
        out = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        return out

    a, b = times(ours), times(bare)
    ms, bare_ms = statistics.median(a), statistics.median(b)
    result = {"bench": "infer", "model": str(path), "threads": torch.get_num_threads(),
              "rate": round(1000 / ms, 1), "unit": "moves/s", "ms_per_move": round(ms, 3),
              "p95_ms": round(sorted(a)[int(0.95 * len(a)) - 1], 3),
              "peer": "bare net forward (batch 1)", "peer_rate": round(1000 / bare_ms, 1),
              "peer_ms": round(bare_ms, 3), "ratio": round(bare_ms / ms, 3),
              "overhead": round(ms / bare_ms - 1, 3)}
    return report(args, [f"features + forward {ms:.2f} ms/move (p95 {result['p95_ms']} ms)",
                         f"bare forward       {bare_ms:.2f} ms", f"overhead {result['overhead']:.1%}"], result)
