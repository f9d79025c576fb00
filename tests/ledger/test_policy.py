"""C2SP tlog-policy: parsing rules, nested quorums and checkpoint acceptance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.ledger import ed25519
from livetrace.ledger.checkpoint import Checkpoint, sign_checkpoint
from livetrace.ledger.cosignature import CosignatureSigner
from livetrace.ledger.errors import (
    MalformedPolicyError,
    NoTrustedSignatureError,
    OriginMismatchError,
    QuorumNotMetError,
)
from livetrace.ledger.note import Ed25519Signer
from livetrace.ledger.policy import parse_policy, verify_checkpoint

NAMES = ["X1", "X2", "X3", "Y1", "Y2", "Y3"]
COSIGNERS = {name: CosignatureSigner(f"{name.lower()}.example", ed25519.PrivateKey(bytes([40 + i]) * 32))
             for i, name in enumerate(NAMES)}  # fmt: skip


def _witness_lines(names: list[str]) -> str:
    return "".join(f"witness {n} {COSIGNERS[n].verifier().vkey()}\n" for n in names)


@pytest.fixture(scope="module")
def spec_policy_text(log_signer: Ed25519Signer) -> str:
    """The spec's example policy (two levels of groups) with real keys."""
    return (
        f"log {log_signer.verifier().vkey()}\n\n"
        + _witness_lines(NAMES[:3])
        + "group X-witnesses 2 X1 X2 X3\n\n"
        + _witness_lines(NAMES[3:])
        + "group Y-witnesses any Y1 Y2 Y3\n\n"
        + "group X-and-Y all X-witnesses Y-witnesses\nquorum X-and-Y\n"
    )


def test_spec_example_structure(spec_policy_text: str) -> None:
    policy = parse_policy(spec_policy_text)
    assert len(policy.logs) == 1
    assert list(policy.witnesses) == NAMES
    assert policy.groups["X-witnesses"].threshold == 2
    assert policy.groups["Y-witnesses"].threshold == 1
    assert policy.groups["X-and-Y"].threshold == 2
    assert policy.quorum == "X-and-Y"


@pytest.mark.parametrize(
    ("cosigners", "ok"),
    [
        ({"X1", "X2", "Y3"}, True),
        ({"X1", "X3", "Y1", "Y2"}, True),
        ({"X1", "Y1", "Y2", "Y3"}, False),
        ({"X1", "X2", "X3"}, False),
        (set(), False),
        ({"X-witnesses", "Y-witnesses"}, False),  # group names are not cosigners
    ],
)
def test_nested_quorum(spec_policy_text: str, cosigners: set[str], ok: bool) -> None:
    policy = parse_policy(spec_policy_text)
    assert policy.is_satisfied_by(cosigners) is ok
    if not ok:
        with pytest.raises(QuorumNotMetError):
            policy.check_quorum(cosigners)


def test_quorum_none_and_single_witness_quorum() -> None:
    assert parse_policy("quorum none\n").is_satisfied_by(set())
    single = parse_policy(_witness_lines(["X1"]) + "quorum X1\n")
    assert single.is_satisfied_by({"X1"}) and not single.is_satisfied_by(set())


def test_comments_blank_lines_and_tabs(log_signer: Ed25519Signer) -> None:
    text = (
        "# a policy\n  \t# indented comment\n\n"
        f"\tlog\t{log_signer.verifier().vkey()}  https://example.com/log \n"
        f"witness X1 {COSIGNERS['X1'].verifier().vkey()} https://w.example/\n"
        "quorum X1   \n"
    )
    policy = parse_policy(text)
    assert policy.logs[0].url == "https://example.com/log"
    assert policy.witnesses["X1"].url == "https://w.example/"


def test_names_are_opaque_octets() -> None:
    kelvin = "\u212a"  # KELVIN SIGN, not the letter K
    text = (
        f"witness K {COSIGNERS['X1'].verifier().vkey()}\n"
        f"witness {kelvin} {COSIGNERS['X2'].verifier().vkey()}\n"
        f"group g all K {kelvin}\nquorum g\n"
    )
    policy = parse_policy(text.encode("utf-8"))
    assert policy.is_satisfied_by({"K", kelvin})
    assert not policy.is_satisfied_by({"K"})


def _vk(name: str) -> str:
    return COSIGNERS[name].verifier().vkey()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "no quorum"),
        ("quorum none", "newline"),
        ("quorum none\nquorum none\n", "exactly one quorum"),
        ("quorum X1\n", "not defined"),
        (f"quorum X1\nwitness X1 {_vk('X1')}\n", "not defined"),
        ("group g any X1\nquorum g\n", "not defined"),
        (f"witness X1 {_vk('X1')}\nwitness X1 {_vk('X2')}\nquorum X1\n", "already defined"),
        (f"witness none {_vk('X1')}\nquorum none\n", "reserved"),
        (f"witness X1 {_vk('X1')}\ngroup g any none\nquorum g\n", "cannot be a group member"),
        (f"witness X1 {_vk('X1')}\ngroup g any X1 X1\nquorum g\n", "already a member"),
        (f"witness X1 {_vk('X1')}\ngroup g any X1\ngroup h any X1\nquorum g\n", "already a member"),
        (f"witness X1 {_vk('X1')}\ngroup g 0 X1\nquorum g\n", "threshold"),
        (f"witness X1 {_vk('X1')}\ngroup g 2 X1\nquorum g\n", "threshold"),
        (f"witness X1 {_vk('X1')}\ngroup g 01 X1\nquorum g\n", "threshold"),
        (f"witness X1 {_vk('X1')}\ngroup g any\nquorum g\n", "expected 'group"),
        (f"witness X1 {_vk('X1')}\nwitness X2 {_vk('X1')}\nquorum X1\n", "duplicate witness key"),
        (f"log {_vk('X1')}\nquorum none\n", "type 0x01"),
        ("witness X1 Log+2271c621+AemuH5ooBpEPcr+W8onrjA1NfuzBVHdezakU81Ekarvs\nquorum X1\n",
         "type 0x04"),
        ("log not-a-vkey\nquorum none\n", "bad log vkey"),
        (f"witness X1 {_vk('X1')} url extra\nquorum X1\n", "expected 'witness"),
        ("quorum\n", "expected 'quorum"),
        ("frobnicate\nquorum none\n", "unknown keyword"),
        ("quorum none\r\n", "control octet 0x0d"),
        ("quorum none\x7f\n", "control octet 0x7f"),
    ],
)  # fmt: skip
def test_malformed_policies(text: str, complaint: str) -> None:
    with pytest.raises(MalformedPolicyError, match=complaint):
        parse_policy(text)


def test_duplicate_log_keys_are_refused(log_signer: Ed25519Signer) -> None:
    renamed = Ed25519Signer("other.example/log", ed25519.PrivateKey(bytes([1]) * 32))
    text = f"log {log_signer.verifier().vkey()}\nlog {renamed.verifier().vkey()}\nquorum none\n"
    with pytest.raises(MalformedPolicyError, match="duplicate log key"):
        parse_policy(text)


def test_error_names_the_line() -> None:
    with pytest.raises(MalformedPolicyError) as caught:
        parse_policy("# one\n# two\nbogus\nquorum none\n")
    assert caught.value.details == {"line": 3}
    assert "line 3" in caught.value.message


@given(st.binary(max_size=200))
def test_parse_raises_only_malformed_policy_error(data: bytes) -> None:
    try:
        policy = parse_policy(data)
    except MalformedPolicyError:
        return
    assert (
        policy.quorum is None or policy.quorum in policy.witnesses or policy.quorum in policy.groups
    )


# --- accepting checkpoints ---------------------------------------------------------------------------


def _cosigned(log_signer: Ed25519Signer, names: list[str], origin: str = "example.com/log") -> str:
    checkpoint = Checkpoint(origin, 3, bytes(32))
    body = checkpoint.body()
    cosigs = [
        COSIGNERS[n].cosign(body, 1_700_000_000 + i).note_signature() for i, n in enumerate(names)
    ]
    return sign_checkpoint(checkpoint, [log_signer], cosigs)


def test_verify_checkpoint_by_policy(spec_policy_text: str, log_signer: Ed25519Signer) -> None:
    policy = parse_policy(spec_policy_text)
    accepted = verify_checkpoint(_cosigned(log_signer, ["X1", "X3", "Y2"]), policy)
    assert accepted.cosigners == {"X1", "X3", "Y2"}
    assert accepted.cosignatures["Y2"].timestamp == 1_700_000_002
    with pytest.raises(QuorumNotMetError):
        verify_checkpoint(_cosigned(log_signer, ["X1", "Y2"]), policy)
    with pytest.raises(OriginMismatchError):
        verify_checkpoint(_cosigned(log_signer, NAMES), policy, origin="other.example/log")


def test_log_key_name_must_be_the_origin(spec_policy_text: str, log_signer: Ed25519Signer) -> None:
    policy = parse_policy(spec_policy_text)
    elsewhere = _cosigned(log_signer, NAMES, origin="example.com/other-log")
    with pytest.raises(NoTrustedSignatureError):
        verify_checkpoint(elsewhere, policy)


def test_witness_signatures_alone_do_not_make_a_log_signature(
    spec_policy_text: str, log_signer: Ed25519Signer
) -> None:
    policy = parse_policy(spec_policy_text)
    body = Checkpoint("example.com/log", 3, bytes(32)).body()
    lines = "".join(COSIGNERS[n].cosign(body, 1).note_signature().line() for n in NAMES)
    with pytest.raises(NoTrustedSignatureError, match="policy log"):
        verify_checkpoint(body + "\n" + lines, policy)
    no_logs = parse_policy(spec_policy_text.split("\n", 1)[1])
    accepted = verify_checkpoint(
        _cosigned(log_signer, NAMES), no_logs, log_verifiers=[log_signer.verifier()]
    )
    assert accepted.cosigners == set(NAMES)
