"""Every coordinate system against the others: tables of cases, then round trips on all sizes."""

import pytest

from gocnn.go import coords
from gocnn.go.coords import CoordError

# (size, internal (row, col), flat, GTP vertex, SGF point)
CASES = [
    (19, (0, 0), 0, "A1", "as"),
    (19, (18, 0), 342, "A19", "aa"),
    (19, (0, 18), 18, "T1", "ss"),
    (19, (18, 18), 360, "T19", "sa"),
    (19, (3, 15), 72, "Q4", "pp"),
    (19, (15, 3), 288, "D16", "dd"),
    (19, (9, 9), 180, "K10", "jj"),   # no I: the 9th column is J
    (19, (9, 8), 179, "J10", "ij"),
    (9, (4, 4), 40, "E5", "ee"),
    (13, (3, 3), 42, "D4", "dj"),
    (25, (24, 24), 624, "Z25", "ya"),
    (2, (1, 0), 2, "A2", "aa"),
]


@pytest.mark.parametrize("size, move, flat, gtp, sgf", CASES)
def test_conversions(size, move, flat, gtp, sgf):
    assert coords.to_flat(move, size) == flat
    assert coords.from_flat(flat, size) == move
    assert coords.to_gtp(move, size) == gtp
    assert coords.from_gtp(gtp, size) == move
    assert coords.from_gtp(gtp.lower(), size) == move
    assert coords.to_sgf(move, size) == sgf
    assert coords.from_sgf(sgf, size) == move


@pytest.mark.parametrize("size", [9, 19])
def test_passes(size):
    assert coords.to_flat(None, size) == size * size
    assert coords.from_flat(size * size, size) is None
    assert coords.to_gtp(None, size) == "pass"
    assert coords.from_gtp("PASS", size) is None and coords.from_gtp(" pass ", size) is None
    assert coords.to_sgf(None, size) == ""
    assert coords.from_sgf("", size) is None
    assert coords.from_sgf("tt", size) is None  # the FF[3] pass, up to 19x19


def test_tt_is_a_point_above_19():
    assert coords.from_sgf("tt", 21) == (21 - 1 - 19, 19)


@pytest.mark.parametrize("size", range(coords.MIN_SIZE, coords.MAX_SIZE + 1))
def test_round_trips_on_every_size(size):
    columns = [coords.to_gtp((0, c), size)[0] for c in range(size)]
    assert "I" not in columns and len(set(columns)) == size
    for flat in range(size * size):
        move = coords.from_flat(flat, size)
        assert coords.to_flat(move, size) == flat
        assert coords.from_gtp(coords.to_gtp(move, size), size) == move
        assert coords.from_sgf(coords.to_sgf(move, size), size) == move


@pytest.mark.parametrize("vertex, size", [
    ("I5", 19), ("Z1", 19), ("T20", 19), ("A0", 19), ("J10", 9), ("", 19), ("Q", 19),
    ("44", 19), ("Q4x", 19), ("Q²", 19), ("passes", 19), ("-A1", 19),
])
def test_bad_gtp_vertices(vertex, size):
    with pytest.raises(CoordError):
        coords.from_gtp(vertex, size)


@pytest.mark.parametrize("point, size", [("zz", 19), ("a", 19), ("abc", 19), ("jj", 9), ("AA", 19), ("a1", 19)])
def test_bad_sgf_points(point, size):
    with pytest.raises(CoordError):
        coords.from_sgf(point, size)


@pytest.mark.parametrize("move, size", [((19, 0), 19), ((0, -1), 19), ((9, 9), 9)])
def test_off_board_moves(move, size):
    assert not coords.on_board(move, size)
    with pytest.raises(CoordError):
        coords.to_gtp(move, size)
    with pytest.raises(CoordError):
        coords.to_sgf(move, size)


@pytest.mark.parametrize("size", [1, 26, 0, -19, 19.0, "19", True, None])
def test_bad_sizes(size):
    with pytest.raises(CoordError):
        coords.check_size(size)


def test_sizes_accepted():
    import numpy as np
    assert [coords.check_size(s) for s in (2, 9, 19, 25)] == [2, 9, 19, 25]
    assert coords.check_size(np.int64(13)) == 13
    with pytest.raises(CoordError):
        coords.from_flat(361 + 1, 19)
