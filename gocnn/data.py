"""Training data: SGF sources -> shards of move sequences -> batches of feature planes.

Shards hold *games*, not planes: the setup stones and moves of each game as small integer
arrays (about 3 bytes a move).  Planes are computed on the fly by the numba kernels of
:mod:`gocnn.features` when batches are drawn, which is faster than reading bit-packed planes
back (AlphaGo's 48 planes would be 2 KB a position, 100 GB for the shared archives) and lets
one build serve every feature set.

``gocnn data build`` splits the sources into *units* (an archive, or a slice of its members;
a batch of loose files), parses them in worker processes, drops duplicates (same move sequence
up to the 8 symmetries) in source order, and writes each unit as two shards (``train`` and
``val``) - directories of ``.npy`` arrays renamed into place only when complete, followed by
a ``.done`` marker with the unit's counts.  A rerun skips finished units, so a killed build
resumes without duplicates or gaps.  Games go to validation by a hash of their content, so
the split is the same on every rerun and a game never lands on both sides.

:func:`batch_for_step` draws training batches: positions uniformly at random over every move
of every game, with a random symmetry each, as a pure function of ``(seed, step)``.  Any
step's batch can be rebuilt, so resuming a run gives bit-for-bit the same data order, and
:class:`BatchStream` spreads steps over DataLoader worker processes while keeping that order.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gocnn.go import sgf
from gocnn.errors import GocnnError
from gocnn.util import atomic_write_json
from gocnn.util import progress as _progress  # the one progress display (a bool named progress below)

FORMAT = "gocnn-shards/1"
MEMBERS_PER_UNIT = 2000


# ---------------------------------------------------------------------- units of work
@dataclass(frozen=True)
class Unit:
    """A piece of the sources: ``path`` (an archive or .sgf file) with members [start, stop),
    or a list of loose files."""

    key: str
    path: str | None = None
    start: int = 0
    stop: int = 0
    files: tuple[str, ...] = ()


def _count_members(path: Path) -> int:
    import tarfile
    import zipfile
    n = 0
    try:
        if path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                return sum(1 for i in zf.infolist() if not i.is_dir())
        with tarfile.open(path, mode="r|*") as tf:
            for m in tf:
                if m.isfile():
                    n += 1
    except Exception:
        pass  # a damaged archive: the unit that reads it counts the damage
    return n


def plan_units(paths, members_per_unit: int = MEMBERS_PER_UNIT) -> list[Unit]:
    """Split the sources into units, in a fixed order."""
    units: list[Unit] = []
    loose: list[str] = []

    def flush():
        for i in range(0, len(loose), members_per_unit):
            chunk = tuple(loose[i:i + members_per_unit])
            units.append(Unit(key=_key("files", chunk), files=chunk))
        loose.clear()

    def add_file(full: Path):
        if sgf.is_archive(full.name):
            flush()
            total = max(_count_members(full), 1)
            for start in range(0, total, members_per_unit):
                stop = min(start + members_per_unit, total) if start + members_per_unit < total else 10 ** 12
                units.append(Unit(key=_key(str(full.resolve()), start, os.path.getsize(full)), path=str(full),
                                  start=start, stop=stop))
        else:
            loose.append(str(full))

    for path in paths:
        path = Path(path)
        if not path.exists():
            raise GocnnError(f"no such file or directory: {path}")
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for fname in sorted(files):
                    if fname.lower().endswith(".sgf") or sgf.is_archive(fname):
                        add_file(Path(root) / fname)
        else:
            add_file(path)
    flush()
    return units


def _key(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=8).hexdigest()


def _unit_files(unit: Unit, stats: sgf.ReadStats):
    if unit.path is None:
        yield from sgf.iter_files(unit.files, stats)
        return
    # An archive slice: stream the archive and keep members [start, stop).  The first slice
    # reads the archive to its end (decompressing is cheap; parsing is what costs) so that it
    # alone counts the archive's files and skipped members; the others stop early.
    inner = sgf.ReadStats()
    for i, item in enumerate(sgf.iter_files([unit.path], inner)):
        if i >= unit.stop and unit.start > 0:
            break
        if unit.start <= i < unit.stop:
            yield item
    if unit.start == 0:
        stats.files += inner.files
        stats.skipped.update(inner.skipped)


# ---------------------------------------------------------------------- packed games
@dataclass
class Packed:
    """Games as flat arrays (what a shard stores)."""

    offsets: np.ndarray  # int64 (G+1,) into the event arrays
    color: np.ndarray  # int8 events: colour (0 = cleared by setup)
    point: np.ndarray  # int16 events: flat point, -1 = pass
    kind: np.ndarray  # int8 events: 0 = move, 1 = setup
    size: np.ndarray  # int8 (G,)
    komi: np.ndarray  # float32 (G,)
    winner: np.ndarray  # int8 (G,): 1 black, 2 white, 0 unknown
    digest: np.ndarray  # uint8 (G, 16): the game's content hash, its id

    @property
    def games(self) -> int:
        return len(self.size)

    def select(self, idx) -> "Packed":
        idx = np.asarray(idx, np.int64)
        lens = self.offsets[idx + 1] - self.offsets[idx]
        offsets = np.zeros(len(idx) + 1, np.int64)
        np.cumsum(lens, out=offsets[1:])
        take = np.concatenate([np.arange(self.offsets[i], self.offsets[i + 1]) for i in idx]) \
            if len(idx) else np.zeros(0, np.int64)
        return Packed(offsets, self.color[take], self.point[take], self.kind[take], self.size[idx],
                      self.komi[idx], self.winner[idx], self.digest[idx])

    def save(self, path: Path, meta: dict) -> None:
        """Write as a directory of .npy files, renamed into place when complete."""
        tmp = path.with_name(path.name + ".tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        for name in ("offsets", "color", "point", "kind", "size", "komi", "winner", "digest"):
            np.save(tmp / f"{name}.npy", getattr(self, name), allow_pickle=False)
        (tmp / "meta.json").write_text(json.dumps(meta, sort_keys=True))
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, mmap: bool = True) -> "Packed":
        mode = "r" if mmap else None
        try:
            arrays = {name: np.load(path / f"{name}.npy", mmap_mode=mode, allow_pickle=False)
                      for name in ("offsets", "color", "point", "kind", "size", "komi", "winner", "digest")}
        except (OSError, ValueError) as exc:
            raise GocnnError(f"damaged shard {path}: {exc}") from None
        return cls(**arrays)


def pack(records) -> Packed:
    offsets, color, point, kind, size, komi, winner, digest = [0], [], [], [], [], [], [], []
    for rec in records:
        for c, pts in rec.setup:
            for p in pts:
                color.append(c)
                point.append(p)
                kind.append(1)
        for c, p in rec.moves:
            color.append(c)
            point.append(-1 if p is None else p)
            kind.append(0)
        offsets.append(len(color))
        size.append(rec.size)
        komi.append(rec.komi)
        winner.append(rec.winner or 0)
        digest.append(np.frombuffer(rec.digest(), np.uint8))
    return Packed(np.array(offsets, np.int64), np.array(color, np.int8), np.array(point, np.int16),
                  np.array(kind, np.int8), np.array(size, np.int8), np.array(komi, np.float32),
                  np.array(winner, np.int8),
                  np.array(digest, np.uint8).reshape(-1, 16))


def _read_unit(args) -> tuple[Packed, sgf.ReadStats]:
    """Worker: parse one unit (no de-duplication: the parent does that in source order)."""
    unit, filters = args
    stats = sgf.ReadStats()
    records = []
    for name, data in _unit_files(unit, stats):
        for rec in sgf.games_in_file(name, data, stats, filters):
            records.append(rec)
            stats.truncated += bool(rec.illegal)
    return pack(records), stats


def is_val(digest: np.ndarray, val_fraction: float) -> np.ndarray:
    """Deterministic split by game content: (G, 16) digests -> bool mask of validation games."""
    if len(digest) == 0:
        return np.zeros(0, bool)
    h = np.ascontiguousarray(digest[:, :8]).view("<u8").ravel()
    return h < np.uint64(int(val_fraction * 2 ** 64) if val_fraction < 1 else 2 ** 64 - 1)


def _parallel(units, filters, workers):
    jobs = [(u, filters) for u in units]
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _read_unit(job)
        return
    import multiprocessing as mp
    ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(workers) as pool:
        yield from pool.imap(_read_unit, jobs, chunksize=1)


# ---------------------------------------------------------------------- scan
def scan(paths, filters: sgf.Filters | None = None, workers: int = 1, dedupe: bool = True,
         progress: bool = True) -> dict:
    filters = filters or sgf.Filters()
    units = plan_units(paths)
    total = sgf.ReadStats()
    seen: set[bytes] = set()
    bar = _progress(len(units), "scan") if progress else None
    t0 = time.perf_counter()
    for packed, stats in _parallel(units, filters, workers):
        keep = _dedupe(packed, seen, stats) if dedupe else np.arange(packed.games)
        _count_kept(stats, packed, keep)
        total.add(stats)
        if bar:
            bar.advance(1, info=f"{total.games} games")
    if bar:
        bar.close()
    seconds = time.perf_counter() - t0
    out = total.as_dict()
    out["seconds"] = round(seconds, 2)
    out["games_per_second"] = round(total.games / seconds, 1) if seconds > 0 else None
    return out


def _dedupe(packed: Packed, seen: set, stats: sgf.ReadStats) -> np.ndarray:
    keep = []
    for i in range(packed.games):
        d = packed.digest[i].tobytes()
        if d in seen:
            stats.duplicates += 1
            continue
        seen.add(d)
        keep.append(i)
    return np.array(keep, np.int64)


def _count_kept(stats: sgf.ReadStats, packed: Packed, keep: np.ndarray) -> None:
    """Fill the game and position counts of stats from the games kept."""
    stats.games = int(len(keep))
    moves = packed.kind == 0
    per_game = np.add.reduceat(moves.astype(np.int64), packed.offsets[:-1]) if packed.games else np.zeros(0)
    # reduceat over empty games misbehaves; games always have >= 1 move (filters drop the rest)
    stats.positions = int(per_game[keep].sum()) if len(keep) else 0
    stats.sizes.clear()
    for s in packed.size[keep]:
        stats.sizes[int(s)] += 1


def print_skipped(skipped: dict) -> None:
    """One line per reason a game or file was skipped (``scan``, ``build``, ``eval``).
    Printing belongs in gocnn/cli/; this stays here while gocnn/train/__init__.py's eval handler uses it."""
    for reason, n in sorted(skipped.items()):
        print(f"skipped    {n:7d}  {reason}")


def skipped_text(skipped: dict) -> str:
    """``"1 malformed SGF, 2 board size excluded"``, or ``"nothing skipped"``."""
    return ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items())) or "nothing skipped"


# ---------------------------------------------------------------------- build
def build(paths, out: str | Path, features: str = "basic20", val_fraction: float = 0.01,
          workers: int = 1, filters: sgf.Filters | None = None, dedupe: bool = True,
          members_per_unit: int = MEMBERS_PER_UNIT, progress: bool = True) -> dict:
    """Write the shards of ``paths`` under ``out`` and return the manifest (also written as
    ``manifest.json``).  A rerun with the same sources and settings resumes; other sources or
    settings in the same ``out`` are a GocnnError."""
    from gocnn.features import feature_set
    feature_set(features)
    filters = filters or sgf.Filters()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    units = plan_units(paths, members_per_unit)
    spec = {"format": FORMAT, "sources": [str(Path(p).resolve()) for p in paths],
            "val_fraction": val_fraction, "filters": filters.__dict__ | {"sizes": list(filters.sizes or [])},
            "dedupe": dedupe, "members_per_unit": members_per_unit}
    _claim(out, spec)
    seen, done_stats = _finished_units(out, units)
    first_todo = len(done_stats)
    total = sgf.ReadStats()
    for st in done_stats:
        _add_stats(total, st)
    bar = _progress(len(units), "build") if progress else None
    if bar and first_todo:
        bar.advance(first_todo, info=f"resumed after {first_todo} units")
    t0 = time.perf_counter()
    for i, (packed, stats) in enumerate(_parallel(units[first_todo:], filters, workers), start=first_todo):
        keep = _dedupe(packed, seen, stats) if dedupe else np.arange(packed.games)
        st = _write_unit(out, i, units[i], packed, keep, stats, val_fraction)
        done_stats.append(st)
        _add_stats(total, st)
        if bar:
            bar.advance(1, info=f"{total.games} games")
    if bar:
        bar.close()
    manifest = total.as_dict() | {
        "format": FORMAT, "features": features, "sources": spec["sources"], "val_fraction": val_fraction,
        "units": len(units), "seconds": round(time.perf_counter() - t0, 2),
        "train": {"games": 0, "positions": 0}, "val": {"games": 0, "positions": 0},
        "shards": sorted(p.name for p in out.iterdir() if p.is_dir()),
    }
    for st in done_stats:
        for split in ("train", "val"):
            for k in ("games", "positions"):
                manifest[split][k] += st["split"][split][k]
    atomic_write_json(out / "manifest.json", manifest)
    return manifest


def _claim(out: Path, spec: dict) -> None:
    """Record the build's sources and settings in ``out/build.json``, or check that a
    previous build there had the same."""
    spec_file = out / "build.json"
    if not spec_file.exists():
        atomic_write_json(spec_file, spec)
    elif json.loads(spec_file.read_text()) != spec:
        raise GocnnError(f"{out} holds a build of other sources or settings; use a new --out")


def _finished_units(out: Path, units: list[Unit]) -> tuple[set[bytes], list[dict]]:
    """The digests of the games already written and the counts of the finished units (they
    form a prefix: markers are written in order); stale temporary shards are removed."""
    seen: set[bytes] = set()
    done_stats: list[dict] = []
    for i in range(len(units)):
        marker = out / f"{i:05d}.done"
        if not marker.exists():
            break
        done_stats.append(json.loads(marker.read_text()))
        for split in ("train", "val"):
            shard = out / f"{i:05d}.{split}"
            if shard.exists():
                seen.update(bytes(d) for d in Packed.load(shard).digest)
    for stale in out.glob("*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    return seen, done_stats


def _write_unit(out: Path, i: int, unit: Unit, packed: Packed, keep: np.ndarray, stats: sgf.ReadStats,
                val_fraction: float) -> dict:
    """Write unit ``i``'s kept games as its train and val shards, then its ``.done`` marker;
    return the marker's counts."""
    _count_kept(stats, packed, keep)
    kept = packed.select(keep)
    val = is_val(kept.digest, val_fraction)
    counts = {}
    for split, mask in (("train", ~val), ("val", val)):
        part = kept.select(np.nonzero(mask)[0])
        counts[split] = {"games": part.games, "positions": int((part.kind == 0).sum())}
        part.save(out / f"{i:05d}.{split}", {"unit": unit.key} | counts[split])
    st = stats.as_dict() | {"split": counts, "unit": unit.key}
    atomic_write_json(out / f"{i:05d}.done", st, indent=None)
    return st


def _add_stats(total: sgf.ReadStats, st: dict) -> None:
    total.files += st["files"]
    total.games += st["games"]
    total.positions += st["positions"]
    total.duplicates += st["duplicates"]
    total.truncated += st["truncated"]
    total.skipped.update(st["skipped"])
    total.sizes.update({int(k): v for k, v in st["sizes"].items()})


MIN_VAL_GAMES = 10  # fewer validation games give figures that are mostly noise
AIM_VAL_GAMES = 30  # what the advice aims at (the split is by hash, so counts vary around it)


def validation_warning(val_games: int, games: int, val_fraction: float) -> str | None:
    """A warning when a split meant to have a validation set got fewer than MIN_VAL_GAMES
    games, with the --val-fraction that gives about AIM_VAL_GAMES."""
    if val_fraction <= 0 or val_games >= MIN_VAL_GAMES or games == 0:
        return None
    better = math.ceil(100 * AIM_VAL_GAMES / games) / 100
    advice = (f"use --val-fraction {better:g} (about {AIM_VAL_GAMES} games)" if better <= 0.5
              else "there are too few games for a separate validation set")
    return (f"the validation split holds {val_games} of {games} games (--val-fraction {val_fraction:g}); "
            f"validation figures from so few games are noise: {advice}")


# ---------------------------------------------------------------------- reading shards
class ShardSet:
    """Every game of one split of a build, memory-mapped, with an index over its positions."""

    def __init__(self, directory: str | Path, split: str = "train"):
        directory = Path(directory)
        if not (directory / "build.json").exists():
            raise GocnnError(f"{directory} is not a shard directory from 'gocnn data build'")
        loaded = [(p, Packed.load(p)) for p in sorted(directory.glob(f"*.{split}")) if p.is_dir()]
        loaded = [(p, s) for p, s in loaded if s.games]
        self.paths = [p for p, _ in loaded]
        self.shards = [s for _, s in loaded]
        if not self.shards:
            raise GocnnError(f"no {split} games in {directory}")
        sizes = {int(s) for sh in self.shards for s in np.unique(sh.size)}
        if len(sizes) != 1:
            raise GocnnError(f"{directory} mixes board sizes {sorted(sizes)}; build with --size N")
        self.board_size = sizes.pop()
        # positions = non-pass moves; index (shard, game, event) for each
        counts = []
        for sh in self.shards:
            kinds = np.asarray(sh.kind)
            points = np.asarray(sh.point)
            usable = (kinds == 0) & (points >= 0)
            counts.append(int(usable.sum()))
        self._cum = np.cumsum([0] + counts)
        self.positions = int(self._cum[-1])
        self.games = sum(sh.games for sh in self.shards)
        self._usable_idx = [None] * len(self.shards)

    def ownership(self) -> list:
        """Each shard's ownership targets (memory-mapped), None where not computed."""
        now = time.monotonic()
        if getattr(self, "_own", None) is None:
            self._own, self._own_checked = [None] * len(self.paths), -1e9
        if now - self._own_checked > 60 and any(o is None for o in self._own):
            # targets still being computed (``gocnn data targets`` beside a running training)
            # are picked up as their files appear
            from gocnn import targets
            self._own = [o if o is not None else targets.load(Path(p)) for o, p in zip(self._own, self.paths)]
            self._own_checked = now
        return self._own

    def _usable(self, s: int) -> np.ndarray:
        idx = self._usable_idx[s]
        if idx is None:
            sh = self.shards[s]
            idx = np.nonzero((np.asarray(sh.kind) == 0) & (np.asarray(sh.point) >= 0))[0]
            self._usable_idx[s] = idx
        return idx

    def locate(self, position: int) -> tuple[int, int, int]:
        """Global position number -> (shard, game, event index within the game)."""
        s = int(np.searchsorted(self._cum, position, side="right") - 1)
        ev = int(self._usable(s)[position - self._cum[s]])
        sh = self.shards[s]
        g = int(np.searchsorted(sh.offsets, ev, side="right") - 1)
        return s, g, ev - int(sh.offsets[g])

    def game_events(self, s: int, g: int):
        sh = self.shards[s]
        a, b = int(sh.offsets[g]), int(sh.offsets[g + 1])
        return (np.asarray(sh.color[a:b]), np.asarray(sh.point[a:b]), np.asarray(sh.kind[a:b]))

    def encode_positions(self, positions, features: str, symmetries=None, out=None):
        """Planes (B, C, S, S) uint8 and labels (B,) int64 for global position numbers."""
        from gocnn.features import apply_symmetry, encode_events, feature_set, transform_label
        size = self.board_size
        fs = feature_set(features)
        b = len(positions)
        planes = out if out is not None else np.empty((b, fs.planes, size, size), np.uint8)
        labels = np.empty(b, np.int64)
        for j, pos in enumerate(positions):
            s, g, e = self.locate(int(pos))
            ev = self.game_events(s, g)
            x = encode_events(size, ev, [e], [int(ev[0][e])], features)[0]
            label = int(ev[1][e])
            if symmetries is not None and symmetries[j]:
                x = apply_symmetry(x, int(symmetries[j]))
                label = int(transform_label(label, int(symmetries[j]), size))
            planes[j] = x
            labels[j] = label
        return planes, labels


def value_targets(shards: ShardSet, positions, symmetries=None) -> dict[str, np.ndarray]:
    """What the value and ownership heads learn at these positions, from the side to move's
    view: ``value`` (1 won, 0 lost), ``value_mask`` (0 where the winner is unknown),
    ``komi`` (positive when the side to move receives it), ``ownership`` (B, S*S) in [-1, 1]
    and ``ownership_mask`` (0 where no targets were computed: see :mod:`gocnn.targets`)."""
    from gocnn.features import apply_symmetry
    size = shards.board_size
    b = len(positions)
    out = {"value": np.zeros(b, np.float32), "value_mask": np.zeros(b, np.float32),
           "komi": np.zeros(b, np.float32), "ownership": np.zeros((b, size * size), np.float32),
           "ownership_mask": np.zeros(b, np.float32)}
    owns = shards.ownership()
    for j, pos in enumerate(positions):
        s, g, e = shards.locate(int(pos))
        sh = shards.shards[s]
        mover = int(sh.color[int(sh.offsets[g]) + e])
        winner = int(sh.winner[g])
        sign = 1.0 if mover == 1 else -1.0
        out["komi"][j] = -sign * float(sh.komi[g])
        if winner:
            out["value"][j] = float(winner == mover)
            out["value_mask"][j] = 1.0
            if owns[s] is not None:
                own = np.asarray(owns[s][g], np.float32).reshape(size, size) * (sign / 100.0)
                if symmetries is not None and symmetries[j]:
                    own = apply_symmetry(own, int(symmetries[j]))
                out["ownership"][j] = own.ravel()
                out["ownership_mask"][j] = 1.0
    return out


def batch_for_step(shards: ShardSet, features: str, batch: int, seed: int, step: int, augment: bool = True,
                   with_targets: bool = False):
    """The training batch of ``step``: a pure function of (seed, step).  With ``with_targets``
    a third item, the value targets (:func:`value_targets`)."""
    rng = np.random.default_rng([seed, step])
    positions = rng.integers(0, shards.positions, size=batch)
    syms = rng.integers(0, 8, size=batch) if augment else None
    planes, labels = shards.encode_positions(positions, features, syms)
    if not with_targets:
        return planes, labels
    return planes, labels, value_targets(shards, positions, syms)


def fixed_sample(shards: ShardSet, count: int, seed: int = 1234) -> np.ndarray:
    """A fixed set of position numbers (for validation)."""
    rng = np.random.default_rng(seed)
    count = min(count, shards.positions)
    return np.sort(rng.choice(shards.positions, size=count, replace=False))


try:  # torch is optional for reading shards; the DataLoader wrapper needs it
    import torch.utils.data as _tud

    class BatchStream(_tud.IterableDataset):
        """Batches for steps start, start+1, ... spread over DataLoader workers in order
        (worker w makes steps w, w+W, ...; the DataLoader takes them round-robin)."""

        def __init__(self, directory, features: str, batch: int, seed: int, start: int, stop: int,
                     split: str = "train", rank: int = 0, world: int = 1, with_targets: bool = False):
            self.directory, self.features, self.batch, self.seed = directory, features, batch, seed
            self.start, self.stop, self.split, self.rank, self.world = start, stop, split, rank, world
            self.with_targets = with_targets
            self._shards = None

        def __iter__(self):
            import torch
            info = _tud.get_worker_info()
            wid, nw = (info.id, info.num_workers) if info else (0, 1)
            if self._shards is None:
                self._shards = ShardSet(self.directory, self.split)
            for step in range(self.start + wid, self.stop, nw):
                # each rank takes its slice of the global batch of this step
                got = batch_for_step(self._shards, self.features, self.batch * self.world, self.seed, step,
                                     with_targets=self.with_targets)
                lo, hi = self.rank * self.batch, (self.rank + 1) * self.batch
                t = {k: torch.from_numpy(v[lo:hi]) for k, v in got[2].items()} if self.with_targets else {}
                yield step, torch.from_numpy(got[0][lo:hi]), torch.from_numpy(got[1][lo:hi]), t
except ImportError:  # pragma: no cover
    pass
