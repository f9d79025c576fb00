"""Shared paths and loaders for the EPCIS tests."""

from __future__ import annotations

from pathlib import Path

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "epcis"
HASH_DOCS = ASSETS / "eventhash" / "ref2026-documents"
HASH_EXPECTED = ASSETS / "eventhash" / "ref2026-expected"
GS1 = ASSETS / "gs1"
OPENEPCIS = ASSETS / "openepcis"

# Vectors of the CBV 2.1 draft rule for gs1:masterDataAvailableFor: their expected pre-hashes
# depend on term definitions from third-party draft JSON-LD contexts (mgh128 experiments) that
# are not bundled and never fetched, e.g. `regulationType: DEFORESTATION_REGULATION` →
# `https://ref.gs1.org/voc/RegulationTypeCode-DEFORESTATION_REGULATION`.
REMOTE_CONTEXT_VECTORS = frozenset(
    {
        "masterDataAvailableForDeforestation",
        "masterDataAvailableForGS1WebVocOnly",
        "masterDataAvailableForWithMixedVoc",
        "masterDataAvailableForWithVeryMixedVoc",
    }
)


def files(folder: Path, *patterns: str) -> list[Path]:
    """Sorted files under `folder` matching any of `patterns` (recursive)."""
    return sorted({p for pattern in patterns for p in folder.rglob(pattern)})


def ids(paths: list[Path]) -> list[str]:
    """Readable test ids: the path below the assets folder."""
    return [str(p.relative_to(ASSETS)) for p in paths]
