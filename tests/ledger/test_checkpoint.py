"""C2SP tlog-checkpoint: spec example, the real sum.golang.org checkpoint, strict parsing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.ledger import merkle
from livetrace.ledger.checkpoint import (
    Checkpoint,
    format_checkpoint,
    open_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
)
from livetrace.ledger.errors import (
    MalformedCheckpointError,
    NoTrustedSignatureError,
    OriginMismatchError,
    SignatureInvalidError,
)
from livetrace.ledger.note import Ed25519Signer, Ed25519Verifier, parse_note

ROOT = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


@pytest.fixture(scope="module")
def c2sp(load_json: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_json("c2sp_spec_examples.json")
    return data


@pytest.fixture(scope="module")
def sumdb(load_json: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_json("transparency_dev_formats.json")
    return data["real_checkpoint_sum_golang_org"]  # type: ignore[no-any-return]


def test_spec_example_parses(c2sp: dict[str, Any]) -> None:
    note = parse_note(c2sp["checkpoint_example"]["signed_checkpoint"])
    checkpoint = parse_checkpoint(note.text)
    assert checkpoint.origin == "example.com/behind-the-sofa"
    assert checkpoint.size == 20852163
    assert checkpoint.root_hash.hex().startswith("0ac5186a91863e8e")
    assert checkpoint.extensions == ()
    assert checkpoint.body() == note.text


def test_real_sum_golang_org_checkpoint(sumdb: dict[str, Any]) -> None:
    verifier = Ed25519Verifier.from_vkey(sumdb["verifier_key"])
    opened = open_checkpoint(sumdb["signed_checkpoint"], [verifier], origin=sumdb["origin"])
    assert opened.checkpoint.size == sumdb["size"] == 6476701
    assert opened.checkpoint.origin == "go.sum database tree"
    assert opened.note.verified[0].name == "sum.golang.org"
    with pytest.raises(SignatureInvalidError):
        open_checkpoint(sumdb["signed_checkpoint"].replace("6476701", "6476700"), [verifier])
    with pytest.raises(OriginMismatchError):
        open_checkpoint(sumdb["signed_checkpoint"], [verifier], origin="sum.golang.org")


def test_golang_format_tree_golden(load_json: Callable[[str], Any]) -> None:
    vector = load_json("golang_sumdb_note_tlog.json")["tlog_format_tree"]
    checkpoint = Checkpoint(
        "go.sum database tree", vector["tree_size"], merkle.leaf_hash(vector["record"].encode())
    )
    assert format_checkpoint(checkpoint) == vector["expected"]


def test_extension_lines_round_trip_and_are_signed(log_signer: Ed25519Signer) -> None:
    checkpoint = Checkpoint("example.com/log", 5, bytes(32), ("ext one", "ext two"))
    signed = sign_checkpoint(checkpoint, [log_signer])
    opened = open_checkpoint(signed, [log_signer.verifier()])
    assert opened.checkpoint == checkpoint
    with pytest.raises(SignatureInvalidError):
        open_checkpoint(signed.replace("ext two", "ext 2"), [log_signer.verifier()])
    with pytest.raises(NoTrustedSignatureError):
        open_checkpoint(signed, [])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (f"origin\n5\n{ROOT}", "text"),
        ("origin\n5\n", "text"),
        (f"\n5\n{ROOT}\n", "origin"),
        (f"origin\n05\n{ROOT}\n", "size"),
        (f"origin\n+5\n{ROOT}\n", "size"),
        (f"origin\n 5\n{ROOT}\n", "size"),
        (f"origin\n-1\n{ROOT}\n", "size"),
        (f"origin\n\u0665\n{ROOT}\n", "size"),
        (f"origin\n18446744073709551616\n{ROOT}\n", "size"),
        (f"origin\n5\n{ROOT[:-1]}\n", "root_hash"),
        ("origin\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", "root_hash"),
        ("origin\n5\nAAAA\n", "root_hash"),
        (f"origin\n5\n{ROOT}\n\nextension\n", "extensions"),
        (f"origin\n5\n{ROOT}\n\n", "extensions"),
        (f"ori\tgin\n5\n{ROOT}\n", "text"),
    ],
)
def test_malformed_checkpoints(text: str, field: str) -> None:
    with pytest.raises(MalformedCheckpointError) as caught:
        parse_checkpoint(text)
    assert caught.value.field == field


def test_largest_size_is_uint64_max() -> None:
    assert parse_checkpoint(f"o\n18446744073709551615\n{ROOT}\n").size == 2**64 - 1
    assert parse_checkpoint(f"o\n0\n{ROOT}\n").size == 0


@pytest.mark.parametrize(
    "checkpoint",
    [
        Checkpoint("", 1, bytes(32)),
        Checkpoint("a\nb", 1, bytes(32)),
        Checkpoint("o", -1, bytes(32)),
        Checkpoint("o", 1, bytes(31)),
        Checkpoint("o", 1, bytes(32), ("",)),
        Checkpoint("o", 1, bytes(32), ("a\nb",)),
    ],
)
def test_format_refuses_what_would_not_parse_back(checkpoint: Checkpoint) -> None:
    with pytest.raises(MalformedCheckpointError):
        format_checkpoint(checkpoint)


line = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), min_size=1, max_size=20
)


@given(line, st.integers(min_value=0, max_value=2**64 - 1), st.binary(min_size=32, max_size=32),
       st.lists(line, max_size=3))  # fmt: skip
def test_format_then_parse_round_trips(origin: str, size: int, root: bytes, ext: list[str]) -> None:
    checkpoint = Checkpoint(origin, size, root, tuple(ext))
    assert parse_checkpoint(format_checkpoint(checkpoint)) == checkpoint


@given(st.text(max_size=120))
def test_parse_raises_only_malformed_checkpoint_error(text: str) -> None:
    try:
        checkpoint = parse_checkpoint(text)
    except MalformedCheckpointError:
        return
    assert format_checkpoint(checkpoint) == text
