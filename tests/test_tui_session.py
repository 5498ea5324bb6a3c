"""GameSession: the terminal UI's game in plain Python - moves, passes, undo, review, playing on
from a move, clocks, the result, saving.  No Textual, no net."""

from __future__ import annotations

import pytest

from gocnn.go import coords
from gocnn.go.board import BLACK, WHITE, IllegalMove
from gocnn.tui.session import GameSession, GameSettings
from gocnn.tui.sgfio import OpenedGame, load_sgf


def flat(v: str, size: int = 9) -> int:
    return coords.to_flat(coords.from_gtp(v, size), size)


def play(game: GameSession, *moves: str) -> str | None:
    """Play GTP moves in turn ("pass" passes); the last play's answer."""
    ended = None
    for v in moves:
        ended = game.play(game.board.to_move, None if v == "pass" else flat(v, game.board.size))
    return ended


def moves_of(game: GameSession) -> list[str]:
    size = game.board.size
    return [("B " if c == BLACK else "W ") + coords.to_gtp(coords.from_flat(p, size) if p is not None else None, size)
            for c, p in game.board.moves]


@pytest.mark.parametrize("settings,human,komi,stones,to_move", [
    (GameSettings(19), BLACK, 7.5, 0, BLACK),
    (GameSettings(9, "white"), WHITE, 7.5, 0, BLACK),
    (GameSettings(19, "white", 4), WHITE, 0.5, 4, WHITE),  # handicap: White moves first
    (GameSettings(13, "black", 0, 6.5), BLACK, 6.5, 0, BLACK),
])
def test_a_new_game(settings, human, komi, stones, to_move):
    game = GameSession(settings, human=human, engine_name="gocnn net")
    assert game.board.size == settings.size and game.board.komi == komi
    assert len(game.board.stones(BLACK)) == stones and game.board.to_move == to_move
    assert game.names == {human: "You", game.engine_color: "gocnn net"}
    assert game.playing and not game.dirty and game.result is None and game.total_moves == 0


def test_moves_go_on_the_line_and_illegal_ones_are_refused():
    game = GameSession(GameSettings(9))
    assert game.refusal() is None
    assert play(game, "E5", "C3") is None
    assert moves_of(game) == ["B E5", "W C3"] and game.dirty and game.total_moves == 2
    with pytest.raises(IllegalMove):
        game.play(BLACK, flat("E5"))
    assert moves_of(game) == ["B E5", "W C3"]
    play(game, "D4")
    assert game.refusal() == "Wait for the net's move."  # White (the net) is to play


@pytest.mark.parametrize("moves,ended", [
    (["E5", "pass", "pass"], "Two passes"),  # one pass each
    (["pass", "C3", "pass"], "You passed twice in a row"),  # the net played on after your pass
    (["E5", "pass", "D4", "C3", "pass"], None),  # your passes not in a row
    (["E5", "C3", "pass"], None),
])
def test_two_passes_in_a_row_end_the_game(moves, ended):
    game = GameSession(GameSettings(9))
    assert play(game, *moves) == ended


def test_scoring_after_the_passes_and_marking_dead_stones():
    game = GameSession(GameSettings(9, komi=7.5))
    assert play(game, "E5", "J9", "D5", "pass", "F5", "pass", "E4", "pass", "E6", "pass", "pass") == "Two passes"
    game.begin_scoring()
    assert game.result == "?" and game.scored_by_passes and game.refusal().startswith("The game is over")
    from gocnn.tui.analysis import final_score

    dead, score, owner = final_score(game.board)
    game.scored(dead, score, owner)
    assert game.dead == {flat("J9")} and game.result == "B+73.5"  # a lone white stone in Black's area
    assert game.toggle_dead(flat("J9"))  # it lives after all: the count changes
    assert not game.dead and game.result != "B+73.5" and "adjusted" in game.result_note
    assert not game.toggle_dead(flat("A1"))  # no stone there


@pytest.mark.parametrize("moves,thinking,left", [
    (["E5", "C3", "D4", "G7"], False, ["B E5", "W C3"]),  # your move and the net's reply
    (["E5", "C3", "D4"], True, ["B E5", "W C3"]),  # the net still thinking about D4
    (["E5", "C3", "D4"], False, ["B E5", "W C3"]),  # the net's reply never came
    (["E5"], True, []),
])
def test_undo(moves, thinking, left):
    game = GameSession(GameSettings(9))
    play(game, *moves)
    assert game.undo(net_thinking=thinking)
    assert moves_of(game) == left and game.board.to_move == BLACK and game.total_moves == len(left)


def test_undo_with_nothing_to_take_back_and_after_the_end():
    game = GameSession(GameSettings(9))
    assert not game.undo()
    play(game, "E5", "pass", "pass")
    game.begin_scoring()
    assert game.undo() and game.result is None and moves_of(game) == ["B E5", "W pass"]  # your pass


def test_resign_and_time():
    game = GameSession(GameSettings(9, "white"), human=WHITE)
    game.resign(WHITE)
    assert (game.result, game.result_note) == ("B+R", "you resigned") and not game.playing
    game = GameSession(GameSettings(9), engine_name="gocnn net")
    play(game, "E5")
    game.resign(WHITE)
    assert game.result == "B+R" and "gocnn net" in game.result_note
    game = GameSession(GameSettings(9), main_time=1.0)
    assert game.clock == {BLACK: 60.0, WHITE: 60.0}
    assert not game.tick(59.5)  # Black's clock runs: Black is to move
    play(game, "E5")
    assert not game.tick(10.0) and game.clock == {BLACK: 0.5, WHITE: 50.0}
    play(game, "C3")
    assert game.tick(1.0) and game.result == "W+T" and "black ran out of time" == game.result_note
    assert not game.tick(1.0)  # a finished game's clocks stand still


def record(size: int, moves: list[str], black: str = "swedish2k", white: str = "swedish1k") -> OpenedGame:
    game = GameSession(GameSettings(size))
    play(game, *moves)
    return OpenedGame(size=size, komi=6.5, history=list(game.line), black=black, white=white, result="W+R")


def test_a_record_opens_for_review_at_its_start():
    game = GameSession.from_record(record(9, ["E5", "C3", "G7", "C7"]))
    assert game.review == 0 and game.board.moves == [] and game.total_moves == 4
    assert game.names == {BLACK: "swedish2k", WHITE: "swedish1k"} and not game.vs_net
    assert (game.result, game.result_note) == ("W+R", "from the record") and not game.dirty
    game.set_engine_name("gocnn net")  # the net loading later keeps the record's names
    assert game.names[WHITE] == "swedish1k"
    assert game.refusal().startswith("Reviewing")
    for shown, last in [(2, "W C3"), (4, "W C7"), (9, "W C7"), (-3, None)]:
        game.set_review(shown)
        assert game.review == max(0, min(4, shown))
        assert (moves_of(game)[-1] if game.board.moves else None) == last


def test_review_of_a_game_in_play_and_back():
    game = GameSession(GameSettings(9))
    play(game, "E5", "C3", "D4")
    game.enter_review()
    assert game.review == 3 and not game.playing
    game.set_review(1)
    assert moves_of(game) == ["B E5"]
    game.leave_review()
    assert game.review is None and moves_of(game) == ["B E5", "W C3", "B D4"] and game.human == BLACK


def test_playing_on_from_a_move_drops_the_later_ones():
    game = GameSession.from_record(record(9, ["E5", "C3", "G7", "C7"]))
    game.set_review(3)
    assert game.later_moves == 1
    assert game.continue_here("gocnn net") == 3
    assert game.review is None and game.playing and game.dirty and game.result is None
    assert moves_of(game) == ["B E5", "W C3", "B G7"] and game.total_moves == 3
    assert game.human == WHITE and game.names == {WHITE: "You", BLACK: "gocnn net"} and game.vs_net


def test_save_writes_the_line_and_the_names(tmp_path):
    game = GameSession(GameSettings(9, komi=6.5), engine_name="gocnn net")
    play(game, "E5", "C3", "pass")
    written = game.save(tmp_path / "g.sgf")
    assert not game.dirty
    rec = load_sgf(written)
    assert (rec.size, rec.komi, rec.black, rec.white) == (9, 6.5, "You", "gocnn net")
    assert rec.moves == game.board.moves
