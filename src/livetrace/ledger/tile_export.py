"""Write the log as static C2SP tlog-tiles files: checkpoint, hash tiles and entry bundles.

The folder can be served by any static web server or object store; clients compute every proof
from it (``tiles.TileHashReader``). Each file is written to a temporary name and renamed, and the
checkpoint is written last; re-exporting rewrites full tiles byte for byte identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from livetrace.ledger.reads import LogReader
from livetrace.ledger.tiles import EntryBundle, tiles_for_size


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    size: int
    tiles: int
    bundles: int


def export_tiles(reader: LogReader, folder: Path) -> ExportResult:
    """Export the latest published checkpoint and everything needed to verify against it."""
    checkpoint = reader.latest_checkpoint()
    size = checkpoint.checkpoint.size
    folder.mkdir(parents=True, exist_ok=True)
    tiles = bundles = 0
    for tile in tiles_for_size(size):
        _write(folder, tile.path(), reader.tile(tile.path(), size).body)
        tiles += 1
        if tile.level == 0:
            bundle = EntryBundle(tile.index, tile.width)
            _write(folder, bundle.path(), reader.tile(bundle.path(), size).body)
            bundles += 1
    # The checkpoint last, so a reader of the folder never sees a checkpoint without its tiles.
    _write(folder, "checkpoint", checkpoint.cosigned_note.encode("utf-8"))
    return ExportResult(size, tiles, bundles)


def _write(folder: Path, relative: str, body: bytes) -> None:
    target = folder / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_bytes(body)
    temporary.replace(target)
