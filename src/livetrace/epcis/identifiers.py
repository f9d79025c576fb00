"""One stored form per identifier, so captures in URN or Digital Link form match each other."""

from __future__ import annotations

from livetrace.epcis._hash_ids import canonical_identifier


def canonical_epc(value: str) -> str:
    """The canonical Digital Link (`https://id.gs1.org/…`) of a GS1 EPC, else the value as given.

    Class-level identifiers (LGTIN, GTIN patterns) map to their class Digital Link too, so
    `MATCH_epcClass` can compare stored and queried values in one form.
    """
    return canonical_identifier(value) or value
