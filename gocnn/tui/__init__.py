"""The Textual terminal UI (``gocnn play``).

Only this package imports textual.  The command line (:mod:`gocnn.cli.play`) turns its options
into a :class:`PlayConfig` and calls :func:`run_play`, which checks the config (a bad option is
a :class:`~gocnn.errors.GocnnError` before the UI starts) and runs the app.  Start-up stays
light: the app module is imported by :func:`run_play`, the net (torch) later, in a worker
thread once the first screen is up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlayConfig:
    """What ``gocnn play`` starts with (the fields are its options)."""

    model: str | None = None  # the net's file (None: the shipped one)
    size: int = 19
    color: str = "black"  # the human's colour: black, white or random
    handicap: int = 0  # 0 or 2..9 stones
    komi: float | None = None  # None: the usual komi for the handicap
    time: float | None = None  # minutes of main time per side (None: no clock)
    sgf: str | None = None  # a game (or an archive of games) to open for review
    visits: int | None = None  # search simulations a move (None: analysis.DEFAULT_VISITS)
    random: bool = False  # a random player instead of the net


def check_play(cfg: PlayConfig):
    """The game record of ``cfg.sgf`` (None for no file or an archive), after checking every
    setting.  Raises GocnnError with a one-line message for the first bad one."""
    from gocnn.errors import GocnnError
    from gocnn.go import coords
    from gocnn.go.board import handicap_points

    try:
        coords.check_size(cfg.size)
    except coords.CoordError as exc:
        raise GocnnError(str(exc)) from None
    if cfg.handicap:
        if cfg.handicap == 1 or cfg.handicap < 0:
            raise GocnnError("--handicap takes 0 or 2..9 stones")
        try:
            handicap_points(cfg.size, cfg.handicap)
        except ValueError as exc:
            raise GocnnError(str(exc)) from None
    if cfg.time is not None and cfg.time <= 0:
        raise GocnnError("--time takes minutes of main time per side, more than 0")
    if cfg.visits is not None and cfg.visits < 1:
        raise GocnnError(f"--visits takes 1 or more (1: the policy alone), not {cfg.visits}")
    if cfg.model is not None and not cfg.random:
        # a bad --model is the user's error: say so now, not by playing random moves.  Only
        # the file's header is read (gocnn.model imports torch, which the net needs anyway).
        from gocnn.model import read_metadata

        read_metadata(cfg.model)  # raises GocnnError: missing, not safetensors, not a gocnn net
    from gocnn.tui.sgfio import archive_games, is_archive, load_sgf

    if cfg.sgf and is_archive(cfg.sgf):
        archive_games(cfg.sgf)  # a damaged or empty archive fails here; the UI lists its games
        return None
    return load_sgf(cfg.sgf) if cfg.sgf else None  # a bad file fails here, before the UI


def run_play(cfg: PlayConfig) -> int:
    """``gocnn play``: play the net (searching ``cfg.visits`` a move; ``cfg.random``: a random
    player), or review ``cfg.sgf``.  Returns the exit code once the UI is closed."""
    record = check_play(cfg)
    from gocnn.tui.analysis import DEFAULT_VISITS, load_player
    from gocnn.tui.app import GoApp

    visits = cfg.visits or DEFAULT_VISITS
    if cfg.random:
        from gocnn.play.policy import RandomPlayer
        factory = lambda: (RandomPlayer(), "--random: a random player, not the net")  # noqa: E731
    else:
        factory = lambda: load_player(cfg.model, visits)  # noqa: E731
    app = GoApp(player_factory=factory, size=cfg.size, color=cfg.color, handicap=cfg.handicap, komi=cfg.komi,
                main_time=cfg.time, sgf_path=cfg.sgf, record=record, visits=visits)
    app.run()
    return 0
