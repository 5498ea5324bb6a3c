"""The one harness every bench runs through: options, the timer, percentiles, the result.

A bench module declares a :class:`Spec` (which options it takes and their defaults) and a
``run(opts) -> BenchResult``.  :func:`run_bench` checks the command-line options against the
spec once for every bench, so ``--games``, ``--seconds`` and ``--threads`` mean the same
everywhere:

* ``--games N``: how many games the bench takes its positions or moves from;
* ``--seconds S``: the rough budget of the timed rounds (a round is never cut short, and at
  least one is always timed);
* ``--threads N``: torch's intra-op threads for ours and the peer alike (default 1).  Benches
  that run on one thread by construction refuse more.

A bench given an option it has no use for refuses it (one line, exit 2) rather than ignoring it.

:func:`measure` is the one timer: it calls the functions it is given in turn, round after round
(so that load from elsewhere on the machine hits each alike), and records, for every call, the
wall-clock and CPU seconds and the units of work it reported.  Each bench reads the statistic
it documents (best, median, total, a percentile) from the :class:`Timing`.

:class:`BenchResult` is the one output shape: ``bench``, ``rate`` (ours, higher is better, in
``unit``), ``peer``, ``peer_rate``, ``ratio`` (= rate / peer_rate: above 1.0 means ours is
ahead), ``sets`` (nested figures, each a :class:`Figure`) and ``threads``, plus the
bench's own documented keys.
"""

from __future__ import annotations

import importlib
import math
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable

from gocnn.errors import GocnnError


# ---------------------------------------------------------------------- options
@dataclass(frozen=True)
class Spec:
    """What a bench takes: ``games`` is its default game count (None: it measures no games),
    ``seconds`` its default budget (None: the bench's natural unit, e.g. a full epoch)."""

    games: int | None = None
    seconds: float | None = None
    threaded: bool = True      # False: runs on one thread by construction
    model: bool = False        # takes --model (default: the shipped net)
    data: bool = False         # takes --data


@dataclass(frozen=True)
class Options:
    games: int | None
    seconds: float | None
    threads: int
    model: str | None = None
    data: str | None = None


def options(name: str, spec: Spec, games=None, seconds=None, threads=None, model=None,
            data=None) -> Options:
    """The one place the common options are checked against a bench's spec and defaulted
    (their values are checked where they are parsed).  Raises GocnnError."""
    def refuse(flag: str, why: str):
        raise GocnnError(f"bench {name}: {flag} does not apply ({why})")

    if games is not None and spec.games is None:
        refuse("--games", "it measures no games")
    if threads and threads > 1 and not spec.threaded:
        refuse(f"--threads {threads}", "it runs on one thread")
    if model is not None and not spec.model:
        refuse("--model", "it loads no net")
    if data is not None and not spec.data:
        refuse("--data", "it reads no data")
    return Options(games=games or spec.games, seconds=seconds or spec.seconds,
                   threads=threads or 1, model=model, data=data)


def run_bench(name: str, module: str, games=None, seconds=None, threads=None, model=None,
              data=None) -> "BenchResult":
    """Import the bench's module, check the options against its spec, set torch's threads
    (threaded benches only: the others never import torch) and run it."""
    mod = importlib.import_module(module)
    opts = options(name, mod.SPEC, games, seconds, threads, model, data)
    if mod.SPEC.threaded:
        from gocnn.util import set_threads
        set_threads(opts.threads)
    result = mod.run(opts)
    result.threads = opts.threads
    return result


# ---------------------------------------------------------------------- the timer
@dataclass
class Timing:
    """Every timed call of one function: wall-clock and CPU seconds, and the units of work
    it did (what it returned; 1 when it returned None)."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    units: list[float] = field(default_factory=list)

    def seconds(self, cpu: bool = False) -> list[float]:
        return self.cpu if cpu else self.wall

    def rate(self, stat: str = "total", cpu: bool = False) -> float:
        """Units per second: ``total`` (all units over all seconds), ``best`` (the fastest
        call) or ``median`` (the median call)."""
        secs = self.seconds(cpu)
        if stat == "total":
            return sum(self.units) / max(sum(secs), 1e-12)
        rates = [u / max(s, 1e-12) for u, s in zip(self.units, secs)]
        if stat == "best":
            return max(rates)
        if stat == "median":
            return percentile(rates, 50)
        raise ValueError(f"unknown statistic {stat!r}")

    def ms(self, q: float = 50, cpu: bool = False) -> float:
        """The ``q``-th percentile of milliseconds per call."""
        return 1000 * percentile(self.seconds(cpu), q)


def percentile(xs: Iterable[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between ranks (numpy's
    default).  Raises ValueError on no values."""
    xs = sorted(xs)
    if not xs:
        raise ValueError("percentile of no values")
    k = (len(xs) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def measure(fns: dict[str, Callable], inputs: list | None = None, *, seconds: float | None = None,
            rounds: int | None = None, warmup: int = 0, setup: Callable | None = None) -> dict[str, Timing]:
    """Time every function in ``fns`` in turn, round after round; returns a Timing per name.

    A round calls each function once, or once per item of ``inputs`` (``fn(item)``, or
    ``fn(setup(item))`` with ``setup`` called off the clock; all functions on an item before
    the next item).  The first ``warmup`` rounds are not recorded.  Timed rounds go on until
    ``rounds`` are done or ``seconds`` have passed, whichever comes first, checked between
    rounds; with neither, one round is timed."""
    timings = {name: Timing() for name in fns}
    items = [None] if inputs is None else list(inputs)
    if not items:
        raise ValueError("measure: no inputs")
    if rounds is None and seconds is None:
        rounds = 1
    start, done = None, 0
    while True:
        timed = done >= warmup
        if timed and start is None:
            start = time.perf_counter()
        if timed and done - warmup >= 1:
            if rounds is not None and done - warmup >= rounds:
                break
            if seconds is not None and time.perf_counter() - start >= seconds:
                break
        for item in items:
            for name, fn in fns.items():
                arg = item if setup is None else setup(item)
                c0, w0 = time.process_time(), time.perf_counter()
                units = fn() if inputs is None else fn(arg)
                w1, c1 = time.perf_counter(), time.process_time()
                if timed:
                    t = timings[name]
                    t.wall.append(w1 - w0)
                    t.cpu.append(c1 - c0)
                    t.units.append(1 if units is None else units)
        done += 1
    return timings


# ---------------------------------------------------------------------- results
def figure(x: float | None) -> float | None:
    """A rate rounded to at least four significant digits (and never past the units)."""
    if x is None or x == 0 or not math.isfinite(x):
        return x
    digits = 3 - math.floor(math.log10(abs(x)))
    return round(x) if digits <= 0 else round(x, digits)


@dataclass
class Figure:
    """One measured figure, ours against a peer: what ``sets`` holds."""

    rate: float
    peer_rate: float | None = None
    unit: str | None = None
    peer: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        return None if self.peer_rate is None else self.rate / self.peer_rate

    def to_json(self) -> dict:
        out = {"rate": figure(self.rate)}
        if self.peer_rate is not None:
            out.update(peer_rate=figure(self.peer_rate), ratio=round(self.ratio, 3))
        if self.unit is not None:
            out["unit"] = self.unit
        if self.peer is not None:
            out["peer"] = self.peer
        return {**self.extra, **out}


@dataclass
class BenchResult:
    """What every bench returns: the figures, its own documented extra keys, and the lines
    it prints for a reader."""

    bench: str
    rate: float
    unit: str
    peer: str
    peer_rate: float
    sets: dict[str, Figure] = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    threads: int = 1

    @property
    def ratio(self) -> float:
        """Ours over the peer: above 1.0 means ours is ahead."""
        return self.rate / self.peer_rate

    def to_json(self) -> dict:
        """The one JSON shape (see the module docstring)."""
        return {**self.extra, "bench": self.bench, "rate": figure(self.rate), "unit": self.unit,
                "peer": self.peer, "peer_rate": figure(self.peer_rate),
                "ratio": round(self.ratio, 3), "threads": self.threads,
                "sets": {name: f.to_json() for name, f in self.sets.items()}}


COMMON_KEYS = ("bench", "rate", "unit", "peer", "peer_rate", "ratio", "sets", "threads")
