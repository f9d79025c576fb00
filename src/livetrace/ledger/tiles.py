"""C2SP tlog-tiles: tile paths, which tiles a tree size needs, tile bodies, entry bundles, and a
``HashReader`` over tiles so that any root or proof can be computed from the static files.

Tile level ``L`` holds Merkle level ``8 * L``: hash ``i`` of tile ``N`` at level ``L`` is the
perfect subtree ``(8 * L, N * 256 + i)`` in ``merkle``'s addressing.

Choices where the spec leaves room:

* Paths are parsed strictly: the index must use the canonical element split (``x001/x234/067``,
  never ``x000/005`` for 5) so each tile has exactly one path; widths are ``1..255`` and ``.p/256``
  is rejected (a 256-wide tile is a full tile).
* ``TileHashReader`` only reads tiles that a checkpoint of the given size requires (the spec forbids
  fetching arbitrary partial tiles) and caches each tile it fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from livetrace.ledger._codec import parse_decimal
from livetrace.ledger.errors import MalformedTileError, MissingHashError, TreeRangeError
from livetrace.ledger.merkle import HASH_SIZE, HashReader, NodeId, leaf_hash, root_of

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY_SIZE = 0xFFFF
FULL_TILE_BYTES = TILE_WIDTH * HASH_SIZE


@dataclass(frozen=True, slots=True, order=True)
class Tile:
    """Merkle tile ``index`` at tile ``level``, ``width`` hashes wide (256 = full)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        if not 0 <= self.level <= MAX_LEVEL:
            raise MalformedTileError(f"tile level {self.level} is not in 0..63", field="level")
        _check_index_width(self.index, self.width)

    @property
    def is_full(self) -> bool:
        """True for a 256-hash tile."""
        return self.width == TILE_WIDTH

    def path(self) -> str:
        """``tile/<L>/<N>[.p/<W>]``."""
        return f"tile/{self.level}/{encode_index(self.index)}{_width_suffix(self.width)}"

    def nodes(self) -> list[NodeId]:
        """The Merkle subtrees whose hashes make up this tile, in order."""
        level = self.level * TILE_HEIGHT
        first = self.index * TILE_WIDTH
        return [(level, first + i) for i in range(self.width)]


@dataclass(frozen=True, slots=True, order=True)
class EntryBundle:
    """Entry bundle ``index`` holding ``width`` entries (256 = full)."""

    index: int
    width: int = TILE_WIDTH

    def __post_init__(self) -> None:
        _check_index_width(self.index, self.width)

    def path(self) -> str:
        """``tile/entries/<N>[.p/<W>]``."""
        return f"tile/entries/{encode_index(self.index)}{_width_suffix(self.width)}"


def _check_index_width(index: int, width: int) -> None:
    if index < 0:
        raise MalformedTileError(f"tile index {index} is negative", field="index")
    if not 1 <= width <= TILE_WIDTH:
        raise MalformedTileError(f"tile width {width} is not in 1..256", field="width")


def _width_suffix(width: int) -> str:
    return "" if width == TILE_WIDTH else f".p/{width}"


# --- paths ----------------------------------------------------------------------------------------


def encode_index(index: int) -> str:
    """``1234067`` → ``x001/x234/067``: 3-digit elements, all but the last prefixed ``x``."""
    if index < 0:
        raise MalformedTileError(f"tile index {index} is negative", field="index")
    elements = [f"{index % 1000:03d}"]
    index //= 1000
    while index:
        elements.append(f"x{index % 1000:03d}")
        index //= 1000
    return "/".join(reversed(elements))


def _decode_index(elements: Sequence[str], path: str) -> int:
    if not elements or not all(_is_index_element(e, last=False) for e in elements[:-1]):
        raise MalformedTileError(f"bad tile index in {path!r}", field="path")
    if not _is_index_element(elements[-1], last=True):
        raise MalformedTileError(f"bad tile index in {path!r}", field="path")
    index = int("".join(e.removeprefix("x") for e in elements))
    if encode_index(index) != "/".join(elements):
        raise MalformedTileError(f"tile index in {path!r} is not canonically split", field="path")
    return index


def _is_index_element(element: str, *, last: bool) -> bool:
    digits = element if last else element.removeprefix("x")
    if not last and not element.startswith("x"):
        return False
    return len(digits) == 3 and digits.isascii() and digits.isdigit()


def parse_path(path: str) -> Tile | EntryBundle:
    """Parse ``tile/<L>/<N>[.p/<W>]`` or ``tile/entries/<N>[.p/<W>]`` (no prefix)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise MalformedTileError(f"{path!r} is not a tile path", field="path")
    elements, width = _split_width(parts[2:], path)
    index = _decode_index(elements, path)
    if parts[1] == "entries":
        return EntryBundle(index, width)
    level = parse_decimal(parts[1], maximum=MAX_LEVEL)
    if level is None:
        raise MalformedTileError(f"tile level in {path!r} is not 0..63", field="path")
    return Tile(level, index, width)


def _split_width(elements: list[str], path: str) -> tuple[list[str], int]:
    if len(elements) < 2 or not elements[-2].endswith(".p"):
        return elements, TILE_WIDTH
    width = parse_decimal(elements[-1], maximum=TILE_WIDTH - 1)
    if width is None or width == 0:
        raise MalformedTileError(f"partial width in {path!r} is not 1..255", field="path")
    return [*elements[:-2], elements[-2].removesuffix(".p")], width


# --- which tiles a tree needs ---------------------------------------------------------------------


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every tile (full, then the partial one) at every level of a tree of ``size`` leaves."""
    if size < 0:
        raise TreeRangeError(f"tree size {size} is negative", field="size")
    level = 0
    while size >> (TILE_HEIGHT * level):
        yield from _tiles_at_level(level, size)
        level += 1


def _tiles_at_level(level: int, size: int) -> Iterator[Tile]:
    hashes = size >> (TILE_HEIGHT * level)  # complete subtrees of 256**level leaves
    full, partial = divmod(hashes, TILE_WIDTH)
    for index in range(full):
        yield Tile(level, index)
    if partial:
        yield Tile(level, full, partial)


def partial_tiles(size: int) -> list[Tile]:
    """Only the partial tiles of a tree of ``size`` leaves, lowest level first."""
    return [t for t in new_tiles(size, size) if not t.is_full]


def new_tiles(old_size: int, new_size: int) -> list[Tile]:
    """Tiles a log must publish when it grows from ``old_size`` to ``new_size`` leaves.

    That is every tile that became full, plus the partial tiles of ``new_size``; with equal sizes
    it is just the partial tiles.
    """
    if not 0 <= old_size <= new_size:
        raise TreeRangeError(
            f"need 0 <= old size <= new size, got {old_size} and {new_size}", field="old_size"
        )
    tiles: list[Tile] = []
    level = 0
    while new_size >> (TILE_HEIGHT * level):
        old_full = (old_size >> (TILE_HEIGHT * level)) // TILE_WIDTH
        new_full, partial = divmod(new_size >> (TILE_HEIGHT * level), TILE_WIDTH)
        tiles.extend(Tile(level, index) for index in range(old_full, new_full))
        if partial:
            tiles.append(Tile(level, new_full, partial))
        level += 1
    return tiles


def tile_for_node(level: int, index: int, size: int) -> Tile:
    """The tile that holds (or lets a client recompute) subtree ``(level, index)`` at ``size``."""
    if (index + 1) << level > size:
        raise TreeRangeError(
            f"subtree ({level}, {index}) is not complete in a tree of size {size}", field="index"
        )
    tile_level = level // TILE_HEIGHT
    base_level = tile_level * TILE_HEIGHT
    # The node covers 2**(level - base_level) hashes of its tile's level; take the last of them.
    last_hash = ((index + 1) << (level - base_level)) - 1
    tile_index = last_hash // TILE_WIDTH
    hashes_at_level = size >> base_level
    if hashes_at_level >= (tile_index + 1) * TILE_WIDTH:
        return Tile(tile_level, tile_index)
    return Tile(tile_level, tile_index, hashes_at_level % TILE_WIDTH)


# --- tile bodies ----------------------------------------------------------------------------------


def build_tile(tile: Tile, reader: HashReader) -> bytes:
    """A tile's body from stored complete-subtree hashes."""
    return b"".join(reader.read_hashes(tile.nodes()))


def parse_tile(tile: Tile, body: bytes) -> list[bytes]:
    """Split a tile body into its hashes, checking its length against the tile's width."""
    if len(body) != tile.width * HASH_SIZE:
        raise MalformedTileError(
            f"{tile.path()} is {len(body)} bytes, expected {tile.width * HASH_SIZE}", field="body"
        )
    return [body[i : i + HASH_SIZE] for i in range(0, len(body), HASH_SIZE)]


def encode_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries as big-endian uint16 length-prefixed records."""
    if not 1 <= len(entries) <= TILE_WIDTH:
        raise MalformedTileError(
            f"an entry bundle holds 1..256 entries, got {len(entries)}", field="entries"
        )
    out = bytearray()
    for position, entry in enumerate(entries):
        if len(entry) > MAX_ENTRY_SIZE:
            raise MalformedTileError(
                f"entry {position} is {len(entry)} bytes, the limit is {MAX_ENTRY_SIZE}",
                field="entries",
            )
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def parse_entry_bundle(bundle: EntryBundle, body: bytes) -> list[bytes]:
    """Split an entry bundle body into exactly ``bundle.width`` entries."""
    entries: list[bytes] = []
    offset = 0
    while offset < len(body):
        if offset + 2 > len(body):
            raise MalformedTileError(f"truncated length at byte {offset}", field="body")
        length = int.from_bytes(body[offset : offset + 2], "big")
        end = offset + 2 + length
        if end > len(body):
            raise MalformedTileError(f"entry {len(entries)} runs past the end", field="body")
        entries.append(body[offset + 2 : end])
        offset = end
    if len(entries) != bundle.width:
        raise MalformedTileError(
            f"{bundle.path()} holds {len(entries)} entries, expected {bundle.width}", field="body"
        )
    return entries


def check_entry_bundle(entries: Sequence[bytes], level0_tile: Sequence[bytes]) -> None:
    """Raise unless each entry hashes to the matching hash of its level-0 tile."""
    if len(entries) != len(level0_tile):
        raise MalformedTileError(
            f"{len(entries)} entries for a tile of {len(level0_tile)} hashes", field="entries"
        )
    for position, (entry, expected) in enumerate(zip(entries, level0_tile, strict=True)):
        if leaf_hash(entry) != expected:
            raise MalformedTileError(
                f"entry {position} does not hash to its level-0 tile hash", field="entries"
            )


# --- hashes from tiles ----------------------------------------------------------------------------


class TileHashReader:
    """A ``HashReader`` for a tree of ``size`` leaves that reads tile bodies through ``fetch``.

    ``fetch`` returns a tile's body (e.g. from disk, object storage or HTTP) and raises
    ``MissingHashError`` if the tile is unavailable. Bodies are length-checked and cached.
    """

    def __init__(self, size: int, fetch: Callable[[Tile], bytes]) -> None:
        self._size = size
        self._fetch = fetch
        self._cache: dict[Tile, list[bytes]] = {}

    def read_hashes(self, nodes: Sequence[NodeId]) -> list[bytes]:
        """Hashes of the given complete subtrees, recomputed inside tiles where needed."""
        return [self._read(level, index) for level, index in nodes]

    def _read(self, level: int, index: int) -> bytes:
        try:
            tile = tile_for_node(level, index, self._size)
        except TreeRangeError as exc:
            raise MissingHashError(exc.message, details={"level": level, "index": index}) from None
        hashes = self._hashes(tile)
        span = 1 << (level - tile.level * TILE_HEIGHT)  # tile hashes under this node
        first = index * span - tile.index * TILE_WIDTH
        return root_of(hashes[first : first + span])

    def _hashes(self, tile: Tile) -> list[bytes]:
        if tile not in self._cache:
            self._cache[tile] = parse_tile(tile, self._fetch(tile))
        return self._cache[tile]
