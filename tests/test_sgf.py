"""Reading SGF: the broken-file corpus (tests/sgf_corpus), archives, limits, filters, duplicates."""

import io
import json
import random
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from gocnn.go import sgf
from gocnn.go.board import BLACK, WHITE

CORPUS = Path(__file__).parent / "sgf_corpus"

# file -> (skip reason or None, moves kept, why the game was cut or None)
EXPECTED = {
    "truncated.sgf": (sgf.PARSE_ERROR, None, None),
    "property_without_value.sgf": (sgf.PARSE_ERROR, None, None),
    "not_sgf_text.sgf": (sgf.PARSE_ERROR, None, None),
    "empty.sgf": (sgf.NO_GAME, None, None),
    "blank.sgf": (sgf.NO_GAME, None, None),
    "no_moves.sgf": (sgf.NO_MOVES_AT_ALL, None, None),
    "off_board_move.sgf": (sgf.BAD_POINT, None, None),
    "off_board_setup.sgf": (sgf.BAD_POINT, None, None),
    "size_27.sgf": (sgf.BAD_SIZE, None, None),
    "size_1.sgf": (sgf.BAD_SIZE, None, None),
    "size_rectangular.sgf": (sgf.BAD_SIZE, None, None),
    "size_junk.sgf": (sgf.BAD_SIZE, None, None),
    "occupied.sgf": (None, 2, "move 3: occupied"),
    "suicide.sgf": (None, 4, "move 5: suicide"),
    "ko_violation.sgf": (None, 1, "move 2: ko"),
    "midgame_setup.sgf": (None, 2, "setup stones in mid-game"),
    "bad_properties.sgf": (None, 3, None),   # KM[seven] HA[lots]: komi 0, no handicap
    "unclosed_value.sgf": (None, 1, None),   # PB swallows text up to the next ]
    "nested_variations.sgf": (None, 4, None),  # the main line: B ee, W cc, B gg, W gc
    "nine_by_nine.sgf": (None, 4, None),
    "handicap.sgf": (None, 3, None),
    "pass_tt.sgf": (None, 4, None),
    "latin1_undeclared.sgf": (None, 2, None),
    "gb2312_undeclared.sgf": (None, 2, None),
    "gb2312_declared.sgf": (None, 2, None),
    "shift_jis_undeclared.sgf": (None, 2, None),
    "wrong_ca.sgf": (None, 2, None),
    "bogus_ca.sgf": (None, 2, None),
}


def read(paths, **filters):
    stats = sgf.ReadStats()
    games = list(sgf.read_games(paths, sgf.Filters(**filters), stats))
    return games, stats


def test_the_corpus_is_all_in_the_table():
    assert {p.name for p in CORPUS.iterdir()} == set(EXPECTED) | {"collection_damaged.sgf"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name):
    reason, moves, illegal = EXPECTED[name]
    games, stats = read([CORPUS / name])
    if reason is None:
        assert len(games) == 1 and not stats.skipped
        assert len(games[0].moves) == moves and games[0].illegal == illegal
        assert stats.truncated == (illegal is not None)
    else:
        assert games == [] and stats.skipped == {reason: 1}


@pytest.mark.parametrize("name, black, white", [
    ("latin1_undeclared.sgf", "Jürgen Müller", "François Chénier"),
    ("gb2312_undeclared.sgf", "古力", "常昊"),
    ("gb2312_declared.sgf", "聂卫平", "马晓春"),
    ("shift_jis_undeclared.sgf", "井山裕太", "ちょう ちくん"),
    ("wrong_ca.sgf", "Ségolène", "Zoë"),
    ("bogus_ca.sgf", "Plain", None),
])
def test_encodings(name, black, white):
    (game,), _ = read([CORPUS / name])
    assert (game.black, game.white) == (black, white)


def test_record_fields():
    (game,), _ = read([CORPUS / "handicap.sgf"])
    assert (game.size, game.komi, game.handicap, game.result, game.first_player) == (19, 0.5, 2, "W+3.5", WHITE)
    assert game.setup == [(BLACK, (60, 300))]  # dp = D4, pd = Q16
    (game,), _ = read([CORPUS / "pass_tt.sgf"])
    assert [p for _, p in game.moves] == [300, None, None, 288]  # Q16 pass pass D16
    (game,), _ = read([CORPUS / "nested_variations.sgf"])
    assert [sgf.coords.to_sgf(sgf.coords.from_flat(p, 9), 9) for _, p in game.moves] == ["ee", "cc", "gg", "gc"]


def test_a_damaged_collection_keeps_the_games_before_the_damage():
    games, stats = read([CORPUS / "collection_damaged.sgf"])
    assert len(games) == 2 and stats.skipped == {sgf.PARSE_ERROR: 1}
    assert games[0].source.endswith("collection_damaged.sgf#0")


def test_the_whole_corpus_as_a_directory_zip_and_tar(tmp_path):
    games, stats = read([CORPUS])
    n_games = len(games)
    zpath = tmp_path / "corpus.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(CORPUS.iterdir()):
            zf.write(p, f"corpus/{p.name}")
        zf.writestr("corpus/README.txt", "not a game")
        zf.writestr("corpus/inner.zip", b"PK nested archives are not opened")
    tpath = tmp_path / "corpus.tar.xz"
    with tarfile.open(tpath, "w:xz") as tf:
        tf.add(CORPUS, "corpus")
    for path in (zpath, tpath):
        g2, s2 = read([path])
        assert len(g2) == n_games
    assert read([zpath])[1].skipped[sgf.NOT_SGF] == 2
    assert read([tmp_path])[0] and len(read([tmp_path])[0]) == n_games  # dedupe across the two


def test_binary_junk_and_random_bytes_never_crash(tmp_path):
    rng = random.Random(7)
    for i in range(30):
        (tmp_path / f"junk{i}.sgf").write_bytes(bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 5000))))
    games, stats = read([tmp_path])
    assert games == [] and sum(stats.skipped.values()) == 30


def test_mutated_real_games_never_crash(samples):
    """Real records with bytes cut, flipped and duplicated: every game is yielded or counted."""
    rng = random.Random(11)
    files = [data for _, (_, data) in zip(range(40), sgf.iter_files([samples / "sgf"]))]
    for data in files:
        for _ in range(10):
            b = bytearray(data)
            for _ in range(rng.randrange(1, 6)):
                i = rng.randrange(len(b))
                op = rng.randrange(4)
                if op == 0:
                    b[i] = rng.choice(b"()[];\\:ABWabstz\xff\x00")
                elif op == 1:
                    del b[i:i + rng.randrange(1, 50)]
                elif op == 2:
                    b[i:i] = b[max(0, i - 30):i]
                else:
                    b = b[:i]
            stats = sgf.ReadStats()
            games = list(sgf.games_in_file("m.sgf", bytes(b), stats, sgf.Filters()))
            assert len(games) + sum(stats.skipped.values()) >= 1
            assert sgf.UNEXPECTED not in stats.skipped
            for g in games:  # what is passed on replays cleanly
                board = g.board()
                for color, point in g.moves:
                    board.play(color, point)


def test_huge_comment_and_deep_variations(tmp_path):
    big = b"(;GM[1]SZ[19]C[" + b"x" * (8 * 1024 * 1024) + b"];B[pd];W[dd])"
    (tmp_path / "comment.sgf").write_bytes(big)
    deep = b"(;GM[1]SZ[9]" + b"(;B[ee](;W[cc]" * 3000 + b")" * 6000 + b")"
    (tmp_path / "deep.sgf").write_bytes(deep)
    games, stats = read([tmp_path])
    assert sorted(len(g.moves) for g in games) == [2, 2] or sorted(len(g.moves) for g in games)[0] == 2
    assert not stats.skipped


def test_oversized_files_are_refused_by_size_not_memory(tmp_path):
    huge = tmp_path / "two_gb.sgf"
    with open(huge, "wb") as f:
        f.truncate(2 * 1024 ** 3)  # sparse: nothing is written
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.sgf", b"(;GM[1]SZ[19]C[" + b"\0" * (sgf.MAX_FILE_BYTES + 10) + b"])")
        zf.writestr("ok.sgf", b"(;GM[1]SZ[9];B[ee];W[cc])")
    liar = tmp_path / "liar.zip"  # the bomb again, with its header claiming 100 bytes
    raw = bytearray(bomb.read_bytes())
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = raw.find(sig)
        raw[i + off:i + off + 4] = (100).to_bytes(4, "little")
    liar.write_bytes(bytes(raw))
    _, stats = read([huge])
    assert stats.skipped == {sgf.TOO_LARGE: 1}
    games, stats = read([bomb])
    assert len(games) == 1 and stats.skipped == {sgf.TOO_LARGE: 1}
    games, stats = read([liar])
    assert len(games) == 1 and sum(stats.skipped.values()) == 1
    assert set(stats.skipped) <= {sgf.TOO_LARGE, sgf.UNREADABLE, sgf.BAD_ARCHIVE}


def test_truncated_archive_keeps_what_came_before(samples, tmp_path):
    src = (samples / "sgf" / "tom-sample.tar.gz").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(src[: len(src) // 2])
    games, stats = read([cut])
    assert 5 < len(games) < 40 and stats.skipped == {sgf.BAD_ARCHIVE: 1}
    junk = tmp_path / "junk.tgz"
    junk.write_bytes(b"\x1f\x8b not really gzip")
    assert read([junk])[1].skipped == {sgf.BAD_ARCHIVE: 1}


def test_missing_path_is_an_error():
    with pytest.raises(FileNotFoundError):
        list(sgf.read_games(["/no/such/file.sgf"]))


# ---------------------------------------------------------------------- filters, duplicates
def test_filters(samples):
    all_games, _ = read([samples / "sgf"])
    assert len(all_games) == 246
    games, stats = read([samples / "sgf"], no_handicap=True)
    assert len(games) == 246 - stats.skipped[sgf.HANDICAP_FILTERED] and stats.skipped[sgf.HANDICAP_FILTERED] >= 20
    games, stats = read([samples / "sgf"], min_moves=200)
    assert all(len(g.moves) >= 200 for g in games) and stats.skipped[sgf.NO_MOVES] > 0
    games, stats = read([samples / "sgf"], min_rank="9d")
    assert all(min(sgf.rank_value(g.black_rank), sgf.rank_value(g.white_rank)) >= 9 for g in games)
    assert stats.skipped[sgf.RANK_FILTERED] > 0
    games, stats = read([CORPUS / "nine_by_nine.sgf", samples / "sgf" / "tom-sample.tar.gz"], sizes=(19,))
    assert stats.skipped == {sgf.SIZE_FILTERED: 1} and len(games) == 40
    games, stats = read([CORPUS / "no_moves.sgf", CORPUS / "nine_by_nine.sgf"], require_result=True)
    assert len(games) == 1


@pytest.mark.parametrize("rank, value", [("5k", -4), ("1k", 0), ("1d", 1), ("9d", 9), ("1p", 10), ("9 dan", 9),
                                         ("30k", -29), ("pro", None), ("", None), (None, None), ("?", None)])
def test_rank_value(rank, value):
    assert sgf.rank_value(rank) == value


def test_duplicates_are_dropped_in_any_orientation(samples, tmp_path):
    (game,), _ = read([CORPUS / "nine_by_nine.sgf"])
    mirrored = [(c, (p // 9) * 9 + (8 - p % 9)) for c, p in game.moves]
    (tmp_path / "a.sgf").write_bytes(sgf.game_to_sgf(9, game.moves))
    (tmp_path / "b.sgf").write_bytes(sgf.game_to_sgf(9, mirrored))
    (tmp_path / "c.sgf").write_bytes(sgf.game_to_sgf(9, game.moves[:3]))
    games, stats = read([tmp_path])
    assert len(games) == 2 and stats.duplicates == 1
    assert len(list(sgf.read_games([tmp_path], dedupe=False))) == 3


def test_game_to_sgf_round_trips_real_games(samples):
    for game in sgf.read_games([samples / "sgf" / "kgs-sample.tar.gz"]):
        data = sgf.game_to_sgf(game.size, game.moves, komi=game.komi, setup=game.setup, result=game.result,
                               black=game.black, white=game.white, handicap=game.handicap,
                               first_player=game.first_player)
        (again,) = [g for g in sgf.parse_games(data)]
        assert (again.moves, again.setup, again.komi, again.handicap, again.result, again.black) == \
            (game.moves, game.setup, game.komi, game.handicap, game.result, game.black)
        assert again.digest() == game.digest()


def test_data_scan_reads_the_corpus(tmp_path):
    pytest.importorskip("gocnn.data")
    proc = subprocess.run([sys.executable, "-m", "gocnn", "data", "scan", str(CORPUS), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    games, stats = read([CORPUS])  # several corpus games share a move sequence: duplicates
    assert (out["games"], out["positions"], out["duplicates"]) == (len(games), stats.positions, stats.duplicates)
    assert out["skipped"] == dict(stats.skipped)
