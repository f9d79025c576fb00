"""Event Hash ID against the reference vectors (CBV 2.0 and the CBV 2.1 draft)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.helpers import ASSETS, GS1, HASH_DOCS, HASH_EXPECTED, REMOTE_CONTEXT_VECTORS
from livetrace.epcis import bindings_json, bindings_xml
from livetrace.epcis.errors import EventHashError
from livetrace.epcis.eventhash import event_hash, prehash
from livetrace.epcis.model import EpcisDocument


def load(path: Path) -> EpcisDocument:
    data = path.read_bytes()
    if path.suffix == ".xml":
        return bindings_xml.parse_document(data)
    return bindings_json.parse_document(data)


def cases() -> list[tuple[str, Path]]:
    out = []
    for version in ("CBV2.0", "CBV2.1"):
        for expected in sorted((HASH_EXPECTED / version).glob("*.prehashes")):
            out.extend((version, doc) for doc in sorted(HASH_DOCS.glob(expected.stem + ".*")))
    return out


CASES = cases()


@pytest.mark.parametrize(("version", "document"), CASES, ids=[f"{v}-{d.name}" for v, d in CASES])
def test_reference_vectors(version: str, document: Path) -> None:
    name = document.name.split(".")[0]
    if name in REMOTE_CONTEXT_VECTORS:
        pytest.skip("needs term definitions from unbundled third-party JSON-LD contexts")
    want_pre = (HASH_EXPECTED / version / f"{name}.prehashes").read_text().splitlines()
    want_hash = (HASH_EXPECTED / version / f"{name}.hashes").read_text().splitlines()
    events = load(document).events
    assert [prehash(e, version) for e in events] == want_pre
    assert [event_hash(e, version) for e in events] == want_hash


def test_every_expected_name_has_a_document() -> None:
    for version in ("CBV2.0", "CBV2.1"):
        names = {p.stem for p in (HASH_EXPECTED / version).glob("*.prehashes")}
        assert len(names) == 39
        assert names == {d.name.split(".")[0] for v, d in CASES if v == version}


def test_hash_is_sha256_of_prehash() -> None:
    event = load(HASH_DOCS / "ReferenceEventHashAlgorithm.jsonld").events[0]
    digest = hashlib.sha256(prehash(event).encode()).hexdigest()
    assert event_hash(event) == f"ni:///sha-256;{digest}?ver=CBV2.0"


def test_unknown_version_is_refused() -> None:
    event = load(HASH_DOCS / "ReferenceEventHashAlgorithm.jsonld").events[0]
    with pytest.raises(EventHashError):
        event_hash(event, "CBV9.9")


def test_gs1_equal_hash_set() -> None:
    """The GS1 WithEventHashID examples are one event written seven ways."""
    folder = GS1 / "XML" / "WithEventHashID"
    events = [e for p in sorted(folder.iterdir()) for e in load(p).events]
    assert len(events) == 7
    # Example 2 of the GS1 draft says -05:00 where the others say -06:00: a hashed field.
    assert events[1].event_time_zone_offset == "-05:00"
    same = [e for e in events if e.event_time_zone_offset == "-06:00"]
    assert len(same) == 6
    assert len({event_hash(e) for e in same}) == 1


EQUAL_SETS = sorted((ASSETS / "eventhash" / "ralphtro-2025" / "expected_equal").iterdir())


@pytest.mark.parametrize("path", EQUAL_SETS, ids=[p.name for p in EQUAL_SETS])
def test_representations_hash_equal(path: Path) -> None:
    events = load(path).events
    assert len(events) >= 1
    assert len({event_hash(e) for e in events}) == 1


def test_error_declaration_copy_hashes_like_original() -> None:
    doc = load(HASH_DOCS / "ObjectEvent_all_possible_fields.json")
    obj = bindings_json.document_to_json(doc)
    event = obj["epcisBody"]["eventList"][0]
    for key in ("errorDeclaration", "eventID", "certificationInfo", "recordTime"):
        event.pop(key, None)
    assert load_json(obj).events[0] != doc.events[0]
    assert event_hash(load_json(obj).events[0]) == event_hash(doc.events[0])


def load_json(obj: dict[str, object]) -> EpcisDocument:
    return bindings_json.parse_document(obj)


def _shuffle(value: object, rnd: st.DataObject) -> object:
    if isinstance(value, dict):
        keys = rnd.draw(st.permutations(list(value)))
        return {k: _shuffle(value[k], rnd) for k in keys}
    if isinstance(value, list):
        return [_shuffle(v, rnd) for v in value]
    return value


HASHABLE = [
    p
    for p in sorted(HASH_DOCS.glob("*.json*"))
    if p.name.split(".")[0] not in REMOTE_CONTEXT_VECTORS
]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), index=st.integers(min_value=0, max_value=len(HASHABLE) - 1))
def test_hash_stable_under_key_reordering(data: st.DataObject, index: int) -> None:
    obj = json.loads(HASHABLE[index].read_bytes())
    shuffled = _shuffle(obj, data)
    original = [event_hash(e) for e in bindings_json.parse_document(obj).events]
    assert [event_hash(e) for e in bindings_json.parse_document(shuffled).events] == original  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(data=st.data(), index=st.integers(min_value=0, max_value=len(HASHABLE) - 1))
def test_hash_stable_under_list_reordering(data: st.DataObject, index: int) -> None:
    obj = json.loads(HASHABLE[index].read_bytes())
    for event in obj["epcisBody"].get("eventList", []):
        for key in ("epcList", "childEPCs", "inputEPCList", "bizTransactionList", "sourceList"):
            if isinstance(event.get(key), list):
                event[key] = data.draw(st.permutations(event[key]))
    before = json.loads(HASHABLE[index].read_bytes())
    want = [event_hash(e) for e in bindings_json.parse_document(before).events]
    assert [event_hash(e) for e in bindings_json.parse_document(obj).events] == want
