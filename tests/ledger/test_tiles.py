"""C2SP tlog-tiles: paths, tile accounting, tile bodies, entry bundles, proofs from tiles."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livetrace.ledger import merkle, tiles
from livetrace.ledger.errors import MalformedTileError, MissingHashError, TreeRangeError
from livetrace.ledger.tiles import EntryBundle, Tile, TileHashReader

SIZE = 70_000
STORE = merkle.InMemoryHashStore.from_leaf_hashes(
    merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(SIZE)
)


def _fetch_from_store(tile: Tile) -> bytes:
    return tiles.build_tile(tile, STORE)


# --- paths ---------------------------------------------------------------------------------------------


def test_spec_index_encoding_example(load_json: Callable[[str], Any]) -> None:
    examples = load_json("c2sp_spec_examples.json")["tlog_tiles_examples"]
    for index, path in examples["tile_index_path_encoding"].items():
        assert tiles.encode_index(int(index)) == path


@pytest.mark.parametrize(
    ("index", "encoded"),
    [(0, "000"), (5, "005"), (999, "999"), (1000, "x001/000"), (123456078, "x123/x456/078"),
     (3057500, "x003/x057/500")],
)  # fmt: skip
def test_index_encoding(index: int, encoded: str) -> None:
    assert tiles.encode_index(index) == encoded


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tile/0/000", Tile(0, 0)),
        ("tile/0/x001/x234/067", Tile(0, 1234067)),
        ("tile/0/x001/x234/067.p/5", Tile(0, 1234067, 5)),
        ("tile/63/001.p/255", Tile(63, 1, 255)),
        ("tile/2/x123/x456/078", Tile(2, 123456078)),
        ("tile/entries/000", EntryBundle(0)),
        ("tile/entries/x003/x057/500.p/2", EntryBundle(3057500, 2)),
    ],
)
def test_valid_paths_parse_and_format_back(path: str, expected: Tile | EntryBundle) -> None:
    assert tiles.parse_path(path) == expected
    assert expected.path() == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/5/123/456/078",  # inner elements need the x prefix (golang sumdb invalid vector)
        "tile/-1/123/456/078",  # golang sumdb invalid vector
        "tile/64/000",
        "tile/01/000",
        "tile/0/5",
        "tile/0/0005",
        "tile/0/x000/005",
        "tile/0/x1/000",
        "tile/0/000.p/0",
        "tile/0/000.p/256",
        "tile/0/000.p/05",
        "tile/0/000.p",
        "tile/0/000/",
        "tiles/0/000",
        "tile/0",
        "tile/data/000",
        "tile/0/\u0661\u0662\u0663",
    ],
)
def test_invalid_paths(path: str) -> None:
    with pytest.raises(MalformedTileError):
        tiles.parse_path(path)


@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=256),
       st.integers(min_value=0, max_value=63))  # fmt: skip
def test_paths_round_trip(index: int, width: int, level: int) -> None:
    tile = Tile(level, index, width)
    assert tiles.parse_path(tile.path()) == tile
    bundle = EntryBundle(index, width)
    assert tiles.parse_path(bundle.path()) == bundle


@given(st.text(alphabet="tile/entrsx0123456789.p-", max_size=40))
def test_parse_path_raises_only_its_own_error(path: str) -> None:
    try:
        parsed = tiles.parse_path(path)
    except MalformedTileError:
        return
    assert parsed.path() == path


# --- accounting ------------------------------------------------------------------------------------------


def test_spec_tree_of_70000(load_json: Callable[[str], Any]) -> None:
    counts = Counter((t.level, t.width) for t in tiles.tiles_for_size(70_000))
    assert counts == {(0, 256): 273, (0, 112): 1, (1, 256): 1, (1, 17): 1, (2, 1): 1}
    assert (
        "273 full level-0 tiles"
        in load_json("c2sp_spec_examples.json")["tlog_tiles_examples"]["tree_size_70000"]
    )


def test_spec_tree_of_256() -> None:
    assert list(tiles.tiles_for_size(256)) == [Tile(0, 0), Tile(1, 0, 1)]
    assert list(tiles.tiles_for_size(0)) == []
    assert tiles.partial_tiles(70_000) == [Tile(0, 273, 112), Tile(1, 1, 17), Tile(2, 0, 1)]


def test_new_tiles_when_the_tree_grows() -> None:
    assert tiles.new_tiles(0, 300) == [Tile(0, 0), Tile(0, 1, 44), Tile(1, 0, 1)]
    assert tiles.new_tiles(300, 600) == [Tile(0, 1), Tile(0, 2, 88), Tile(1, 0, 2)]
    assert tiles.new_tiles(600, 600) == tiles.partial_tiles(600)
    with pytest.raises(TreeRangeError):
        tiles.new_tiles(5, 4)


@settings(max_examples=40)
@given(st.integers(min_value=0, max_value=3000), st.integers(min_value=0, max_value=3000))
def test_new_tiles_cover_exactly_the_new_full_tiles(a: int, b: int) -> None:
    old, new = sorted((a, b))
    before, after = set(tiles.tiles_for_size(old)), set(tiles.tiles_for_size(new))
    published = tiles.new_tiles(old, new)
    assert {t for t in after - before if t.is_full} | set(tiles.partial_tiles(new)) == set(
        published
    )


def test_tile_for_node() -> None:
    assert tiles.tile_for_node(0, 300, 70_000) == Tile(0, 1)
    assert tiles.tile_for_node(0, 69_999, 70_000) == Tile(0, 273, 112)
    assert tiles.tile_for_node(3, 10, 70_000) == Tile(0, 0)
    assert tiles.tile_for_node(8, 272, 70_000) == Tile(1, 1, 17)
    assert tiles.tile_for_node(16, 0, 70_000) == Tile(2, 0, 1)
    with pytest.raises(TreeRangeError):
        tiles.tile_for_node(1, 35_000, 70_000)


# --- bodies ----------------------------------------------------------------------------------------------


def test_tile_bodies_hold_the_subtree_hashes() -> None:
    full = tiles.build_tile(Tile(1, 0), STORE)
    assert len(full) == tiles.FULL_TILE_BYTES
    hashes = tiles.parse_tile(Tile(1, 0), full)
    assert hashes[5] == STORE.read_hashes([(8, 5)])[0]
    level0 = tiles.parse_tile(Tile(0, 0), tiles.build_tile(Tile(0, 0), STORE))
    assert merkle.root_of(level0) == hashes[0]
    with pytest.raises(MalformedTileError):
        tiles.parse_tile(Tile(0, 0, 3), full)


def test_entry_bundles_round_trip_and_match_their_tile() -> None:
    entries = [i.to_bytes(4, "big") for i in range(256)]
    body = tiles.encode_entry_bundle(entries)
    assert body[:6] == b"\x00\x04\x00\x00\x00\x00"
    assert tiles.parse_entry_bundle(EntryBundle(0), body) == entries
    level0 = tiles.parse_tile(Tile(0, 0), tiles.build_tile(Tile(0, 0), STORE))
    tiles.check_entry_bundle(entries, level0)
    with pytest.raises(MalformedTileError, match="entry 1"):
        tiles.check_entry_bundle([entries[0], b"forged", *entries[2:]], level0)


@pytest.mark.parametrize(
    ("body", "width", "complaint"),
    [
        (b"\x00", 1, "truncated"),
        (b"\x00\x05abc", 1, "runs past"),
        (b"\x00\x01a\x00\x01b", 1, "holds 2 entries"),
        (b"", 1, "holds 0 entries"),
    ],
)
def test_malformed_entry_bundles(body: bytes, width: int, complaint: str) -> None:
    with pytest.raises(MalformedTileError, match=complaint):
        tiles.parse_entry_bundle(EntryBundle(0, width), body)


def test_entry_size_limits() -> None:
    assert tiles.parse_entry_bundle(EntryBundle(0, 1), tiles.encode_entry_bundle([b"x" * 65535]))
    with pytest.raises(MalformedTileError, match="65535"):
        tiles.encode_entry_bundle([b"x" * 65536])
    with pytest.raises(MalformedTileError):
        tiles.encode_entry_bundle([])


# --- proofs from tiles -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_proofs_from_tiles_equal_proofs_from_the_store(data: st.DataObject) -> None:
    size = data.draw(st.integers(min_value=1, max_value=SIZE))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=1, max_value=size))
    fetched: list[Tile] = []

    def fetch(tile: Tile) -> bytes:
        assert tile in set(tiles.tiles_for_size(size))  # only tiles this size requires
        fetched.append(tile)
        return _fetch_from_store(tile)

    reader = TileHashReader(size, fetch)
    root = merkle.root_at(size, reader)
    assert root == merkle.root_at(size, STORE)
    proof = merkle.inclusion_proof(index, size, reader)
    assert proof == merkle.inclusion_proof(index, size, STORE)
    leaf = merkle.leaf_hash(index.to_bytes(4, "big"))
    merkle.verify_inclusion(index, size, leaf, proof, root)
    assert merkle.consistency_proof(old, size, reader) == merkle.consistency_proof(old, size, STORE)
    assert len(fetched) == len(set(fetched))  # each tile fetched once


def test_tile_reader_reports_missing_hashes() -> None:
    reader = TileHashReader(10, _fetch_from_store)
    with pytest.raises(MissingHashError):
        reader.read_hashes([(0, 10)])
