"""The time manager: how many seconds the next move may think, never losing on time.

GTP gives the settings (``time_settings MAIN BYO STONES``: absolute when BYO is 0, else
Canadian; ``kgs-time_settings none|absolute|byoyomi|canadian ...``) and, before each move,
``time_left COLOUR SECONDS STONES`` (STONES > 0: inside a byo-yomi or Canadian period, with
that many stones - or periods, for Japanese byo-yomi - still to play in it).  The budget:

* inside a period: the period's time over the stones still due, less a safety share;
* in main time: the main time left over the moves a game still needs (at least
  ``MIN_MOVES_LEFT``), plus half a byo-yomi period when there is one to fall back on;
* never more than ``MAX_SHARE`` of the time left, minus a fixed overhead for the net's first
  call, the GUI and the pipe.
"""

from __future__ import annotations

from dataclasses import dataclass

OVERHEAD = 0.25  # seconds kept back for everything outside the search
MIN_MOVES_LEFT = 20
MAX_SHARE = 0.5  # of the main time left, for one move
PERIOD_SHARE = 0.8  # of a byo-yomi period's time per stone


@dataclass(frozen=True)
class TimeControl:
    kind: str = "none"  # none | absolute | byoyomi | canadian
    main: float = 0.0
    byo_time: float = 0.0
    byo_stones: int = 0


def move_budget(tc: TimeControl, left: tuple[float, int] | None, size: int, move_number: int,
                cap: float | None = None) -> float | None:
    """Seconds for the next move, or ``cap`` (None: no limit) when there is no clock.
    ``left`` is the last ``time_left`` for the mover (seconds, stones), if any."""
    if tc.kind == "none" and left is None:
        return cap
    seconds, stones = left if left is not None else (tc.main, 0)
    if tc.kind == "byoyomi" and stones == 0 and seconds <= 0:
        seconds, stones = tc.byo_time, 1
    if seconds <= 0 and stones == 0 and tc.kind in ("canadian", "byoyomi"):
        seconds, stones = tc.byo_time, max(1, tc.byo_stones)
    if stones > 0:
        per_stone = seconds / stones if tc.kind != "byoyomi" else seconds
        budget = per_stone * PERIOD_SHARE - OVERHEAD
    else:
        moves_left = max(MIN_MOVES_LEFT, (size * size * 0.7 - move_number) / 2)
        budget = seconds / moves_left
        if tc.kind in ("canadian", "byoyomi") and tc.byo_time > 0:
            per = tc.byo_time / max(1, tc.byo_stones) if tc.kind == "canadian" else tc.byo_time
            budget += 0.5 * per * PERIOD_SHARE
        budget = min(budget, seconds * MAX_SHARE) - OVERHEAD
    budget = max(0.05, budget)
    return min(budget, cap) if cap else budget
