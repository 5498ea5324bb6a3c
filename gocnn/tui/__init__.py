"""The Textual terminal UI (``gocnn play``).

Only this package imports textual.  :func:`cmd_play` keeps start-up light: the app module is
imported here, the net (torch) later, in a worker thread once the first screen is up."""

from __future__ import annotations


def cmd_play(args) -> int:
    """``gocnn play``: play the net (searching ``--visits`` a move; ``--random``: a random
    player), or review ``--sgf FILE``."""
    from gocnn.go import coords
    from gocnn.go.board import handicap_points
    from gocnn.errors import GocnnError

    size = args.size
    try:
        coords.check_size(size)
    except coords.CoordError as exc:
        raise GocnnError(str(exc)) from None
    if args.handicap:
        if args.handicap == 1 or args.handicap < 0:
            raise GocnnError("--handicap takes 0 or 2..9 stones")
        try:
            handicap_points(size, args.handicap)
        except ValueError as exc:
            raise GocnnError(str(exc)) from None
    if args.time is not None and args.time <= 0:
        raise GocnnError("--time takes minutes of main time per side, more than 0")
    visits = getattr(args, "visits", None)
    if visits is not None and visits < 1:
        raise GocnnError(f"--visits takes 1 or more (1: the policy alone), not {visits}")
    random_player = getattr(args, "random", False)
    if args.model is not None and not random_player:
        # a bad --model is the user's error: say so now, not by playing random moves.  Only
        # the file's header is read (gocnn.model imports torch, which the net needs anyway).
        from gocnn.model import read_metadata

        read_metadata(args.model)  # raises GocnnError: missing, not safetensors, not a gocnn net

    from gocnn.tui.analysis import DEFAULT_VISITS, load_player
    from gocnn.tui.app import GoApp
    from gocnn.tui.sgfio import archive_games, is_archive, load_sgf

    record = None
    if args.sgf and is_archive(args.sgf):
        archive_games(args.sgf)  # a damaged or empty archive fails here; the UI lists its games
    elif args.sgf:
        record = load_sgf(args.sgf)  # a bad file fails here, before the UI
    visits = visits or DEFAULT_VISITS
    if random_player:
        from gocnn.play.policy import RandomPlayer
        factory = lambda: (RandomPlayer(), "--random: a random player, not the net")  # noqa: E731
    else:
        factory = lambda: load_player(args.model, visits)  # noqa: E731
    app = GoApp(player_factory=factory, size=size, color=args.color, handicap=args.handicap, komi=args.komi,
                main_time=args.time, sgf_path=args.sgf, record=record, visits=visits)
    app.run()
    return 0
