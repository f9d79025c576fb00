"""C2SP signed-note: golden vectors, vkeys/skeys, strict parsing and properties."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.ledger import ed25519
from livetrace.ledger.errors import (
    AmbiguousKeyError,
    KeyIdMismatchError,
    MalformedKeyError,
    MalformedNoteError,
    NoTrustedSignatureError,
    SignatureInvalidError,
    UnsupportedKeyAlgorithmError,
)
from livetrace.ledger.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    MAX_SIGNATURES,
    Ed25519Signer,
    Ed25519Verifier,
    NoteSignature,
    SignerKey,
    VerifierKey,
    format_skey,
    format_vkey,
    generate_skey,
    is_valid_key_name,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
    verify_note,
    vkey_of,
)


@pytest.fixture(scope="module")
def golang(load_json: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_json("golang_sumdb_note_tlog.json")
    return data


@pytest.fixture(scope="module")
def c2sp(load_json: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_json("c2sp_spec_examples.json")
    return data


@pytest.fixture(scope="module")
def formats(load_json: Callable[[str], Any]) -> dict[str, Any]:
    data: dict[str, Any] = load_json("transparency_dev_formats.json")
    return data


@pytest.fixture(scope="module")
def peter(golang: dict[str, Any]) -> Ed25519Signer:
    return Ed25519Signer.from_skey(golang["note_signing"]["signer_key"])


# --- golden vectors ----------------------------------------------------------------------------------


def test_signing_reproduces_the_golang_note_byte_for_byte(
    golang: dict[str, Any], peter: Ed25519Signer
) -> None:
    vector = golang["note_signing"]
    assert sign_note(vector["text"], [peter]) == vector["expected_signed_note"]
    assert peter.verifier().vkey() == vector["verifier_key"]
    assert peter.key_id == 0xC74F20A3


def test_two_signature_note(golang: dict[str, Any]) -> None:
    vector = golang["note_open"]
    keys = vector["verifier_keys"]
    both = open_note(
        vector["note_with_two_sigs"], [Ed25519Verifier.from_vkey(k) for k in keys.values()]
    )
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]
    assert both.unverified == ()
    only_peter = open_note(
        vector["note_with_two_sigs"], [Ed25519Verifier.from_vkey(keys["PeterNeumann"])]
    )
    assert [s.name for s in only_peter.verified] == ["PeterNeumann"]
    assert [s.name for s in only_peter.unverified] == ["EnochRoot"]
    assert only_peter.unverified[0].line().rstrip("\n") == vector["signature_lines"]["EnochRoot"]


def test_c2sp_example_note_verifies(c2sp: dict[str, Any]) -> None:
    example = c2sp["signed_note_example"]
    verifier = Ed25519Verifier.from_vkey(example["verifier_key"])
    assert verifier.key_id == 0x530D903A
    note = open_note(example["signed_note"], [verifier])
    assert note.text == "This is an example message.\n"
    assert note.is_signed_by("example.com/foo", 0x530D903A)


def test_c2sp_intro_example_parses_with_an_empty_line_in_the_text(c2sp: dict[str, Any]) -> None:
    note = parse_note(c2sp["signed_note_intro_example_no_key_given"])
    assert note.text.endswith("sole:\n\ned è subito sera.\n")
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    with pytest.raises(NoTrustedSignatureError):
        verify_note(note, [])


def test_real_sum_golang_org_checkpoint_verifies(formats: dict[str, Any]) -> None:
    real = formats["real_checkpoint_sum_golang_org"]
    verifier = Ed25519Verifier.from_vkey(real["verifier_key"])
    note = open_note(real["signed_checkpoint"], [verifier])
    assert note.verified[0].name == "sum.golang.org"
    tampered = real["signed_checkpoint"].replace("6476701", "6476702")
    with pytest.raises(SignatureInvalidError):
        open_note(tampered, [verifier])


@pytest.mark.parametrize("pair", ["log", "known1", "known2", "unknown"])
def test_fixed_skeys_match_their_vkeys(formats: dict[str, Any], pair: str) -> None:
    keys = formats["fixed_note_keys"]
    signer = Ed25519Signer.from_skey(keys[f"{pair}SK"])
    assert signer.verifier().vkey() == keys[f"{pair}VK"]
    assert format_skey(parse_skey(keys[f"{pair}SK"])) == keys[f"{pair}SK"]


def test_malformed_golang_vkeys_are_rejected(golang: dict[str, Any]) -> None:
    negative = golang["verifier_key_negative"]
    with pytest.raises(MalformedKeyError):
        parse_vkey(negative["wrong_length_key"])
    with pytest.raises(UnsupportedKeyAlgorithmError, match="0x65"):
        parse_vkey(negative["unknown_algorithm"])


# --- keys --------------------------------------------------------------------------------------------


def test_key_id_is_the_first_four_bytes_of_the_hash() -> None:
    public_key = bytes(32)
    assert key_id("a", ALG_ED25519, public_key) != key_id("a", ALG_COSIGNATURE_V1, public_key)
    assert key_id("a", ALG_ED25519, public_key) != key_id("b", ALG_ED25519, public_key)


@pytest.mark.parametrize(
    ("vkey", "error"),
    [
        ("PeterNeumann+c74f20a3", MalformedKeyError),
        ("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", MalformedKeyError),
        ("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", MalformedKeyError),
        ("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", MalformedKeyError),
        ("PeterNeumann+c74f20ag+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", MalformedKeyError),
        ("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", KeyIdMismatchError),
        ("Peter+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", KeyIdMismatchError),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", MalformedKeyError),
        ("PeterNeumann+c74f20a3+AQ==", MalformedKeyError),
    ],
)
def test_bad_vkeys(vkey: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_vkey(vkey)


def test_vkey_key_id_accepts_upper_case_hex_and_formats_lower_case(golang: dict[str, Any]) -> None:
    vkey = golang["note_signing"]["verifier_key"]
    upper = vkey.replace("c74f20a3", "C74F20A3")
    assert format_vkey(parse_vkey(upper)) == vkey


def test_type_04_vkey_is_not_a_note_verifier() -> None:
    signer = Ed25519Signer("w", ed25519.PrivateKey(bytes(32)))
    cosigner_key = VerifierKey(
        "w", key_id("w", 4, signer.verifier().public_key), 4, signer.verifier().public_key
    )
    assert parse_vkey(format_vkey(cosigner_key)) == cosigner_key
    with pytest.raises(UnsupportedKeyAlgorithmError):
        Ed25519Verifier.from_vkey(cosigner_key)


@pytest.mark.parametrize(
    "skey",
    [
        "PRIVATE+KEY+PeterNeumann+c74f20a3",
        "PRIVATE+KEX+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+BIEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    ],
)
def test_bad_skeys(skey: str) -> None:
    with pytest.raises(MalformedKeyError):
        parse_skey(skey)


def test_signer_key_repr_hides_the_seed(golang: dict[str, Any]) -> None:
    key = parse_skey(golang["note_signing"]["signer_key"])
    assert key.seed.hex() not in repr(key)
    assert format_vkey(vkey_of(key)) == golang["note_signing"]["verifier_key"]


@given(
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="+"), min_size=1, max_size=20)
)
def test_generated_keys_round_trip(name: str) -> None:
    if not is_valid_key_name(name):
        with pytest.raises(MalformedKeyError):
            generate_skey(name)
        return
    key = generate_skey(name)
    assert parse_skey(format_skey(key)) == key
    vkey = vkey_of(key)
    assert parse_vkey(format_vkey(vkey)) == vkey


@pytest.mark.parametrize(
    "name", ["", "a b", "a+b", "a\u00a0b", "a\u2003b", "a\u3000b", "a\tb", "a\u0085b", "a\x01b"]
)
def test_invalid_key_names(name: str) -> None:
    assert not is_valid_key_name(name)


@pytest.mark.parametrize("name", ["example.com/log", "名前", "a\u200bb", "a-b_c.d/e:f"])
def test_valid_key_names(name: str) -> None:
    assert is_valid_key_name(name)


# --- parsing -----------------------------------------------------------------------------------------

GOOD = "text\n\n\u2014 name AAAAAAE=\n"


@pytest.mark.parametrize(
    ("note", "complaint"),
    [
        ("text\n\u2014 name AAAAAAE=\n", "no blank line"),
        ("text\n\n", "signature block is empty"),
        ("text\n\n\u2014 name AAAAAAE=", "does not end in a newline"),
        ("text\n\n- name AAAAAAE=\n", "em dash"),
        ("text\n\n\u2014name AAAAAAE=\n", "em dash"),
        ("text\n\n\u2014 na+me AAAAAAE=\n", "invalid key name"),
        ("text\n\n\u2014  AAAAAAE=\n", "invalid key name"),
        ("text\n\n\u2014 name AAAAAA==\n", "canonical base64"),
        ("text\n\n\u2014 name AAAAAAF=\n", "canonical base64"),
        ("text\n\n\u2014 name AAAAAAE\n", "canonical base64"),
        ("text\n\n\u2014 name AAAAAAE= \n", "canonical base64"),
        ("text\n\n\u2014 name\n", "canonical base64"),
        ("te\rxt\n\n\u2014 name AAAAAAE=\n", "control character U\\+000D"),
        ("text\n\n\u2014 name AAAAAAE=\n\n", "signature block is empty"),
    ],
)
def test_malformed_notes(note: str, complaint: str) -> None:
    with pytest.raises(MalformedNoteError, match=complaint):
        parse_note(note)


def test_invalid_utf8_is_malformed() -> None:
    with pytest.raises(MalformedNoteError, match="UTF-8"):
        parse_note(b"t\xffext\n\n\xe2\x80\x94 name AAAAAAE=\n")
    assert parse_note(GOOD.encode()) == parse_note(GOOD)


def test_signature_line_numbers_in_errors() -> None:
    with pytest.raises(MalformedNoteError, match="signature line 5"):
        parse_note("a\nb\n\n\u2014 name AAAAAAE=\nbad\n")


def test_signature_count_limit_accepts_16_and_caps_at_100(peter: Ed25519Signer) -> None:
    text = "limit\n"
    sig = peter.sign(text.encode())
    lines = [NoteSignature(f"k{i}", i, sig) for i in range(MAX_SIGNATURES)]
    note = parse_note(text + "\n" + "".join(s.line() for s in lines[:16]))
    assert len(note.signatures) == 16
    assert len(parse_note(text + "\n" + "".join(s.line() for s in lines)).signatures) == 100
    extra = NoteSignature("k100", 100, sig).line()
    with pytest.raises(MalformedNoteError, match="more than 100"):
        parse_note(text + "\n" + "".join(s.line() for s in lines) + extra)


# --- verification ------------------------------------------------------------------------------------


def test_a_bad_signature_from_a_known_key_rejects_the_note(
    golang: dict[str, Any], peter: Ed25519Signer
) -> None:
    note = parse_note(golang["note_signing"]["expected_signed_note"])
    bad = NoteSignature(note.signatures[0].name, note.signatures[0].key_id, bytes(64))
    forged = parse_note(note.text + "\n" + bad.line() + note.signatures[0].line())
    with pytest.raises(SignatureInvalidError, match="PeterNeumann"):
        verify_note(forged, [peter.verifier()])


def test_same_name_other_id_and_same_id_other_name_are_ignored(
    golang: dict[str, Any], peter: Ed25519Signer
) -> None:
    note = parse_note(golang["note_signing"]["expected_signed_note"])
    original = note.signatures[0]
    impostors = [
        NoteSignature(original.name, original.key_id ^ 1, bytes(64)),
        NoteSignature("Peter", original.key_id, bytes(64)),
    ]
    mixed = parse_note(note.text + "\n" + "".join(s.line() for s in [*impostors, original]))
    verified = verify_note(mixed, [peter.verifier()])
    assert verified.verified == (original,)
    assert verified.unverified == tuple(impostors)


def test_no_known_signature_rejects_the_note(golang: dict[str, Any]) -> None:
    other = Ed25519Verifier("someone", bytes(32))
    with pytest.raises(NoTrustedSignatureError):
        open_note(golang["note_signing"]["expected_signed_note"], [other])


def test_ambiguous_verifiers_are_refused(golang: dict[str, Any], peter: Ed25519Signer) -> None:
    twin = Ed25519Verifier("PeterNeumann", bytes(32))
    object.__setattr__(twin, "key_id", peter.key_id)  # simulate a key ID collision
    with pytest.raises(AmbiguousKeyError):
        open_note(golang["note_signing"]["expected_signed_note"], [peter.verifier(), twin])


def test_repeated_signatures_are_reported_once(
    golang: dict[str, Any], peter: Ed25519Signer
) -> None:
    signed = golang["note_signing"]["expected_signed_note"]
    line = signed.split("\n\n")[1]
    note = open_note(signed + line, [peter.verifier()])
    assert len(note.verified) == 1


def test_sign_note_keeps_and_replaces_existing_signatures(
    golang: dict[str, Any], peter: Ed25519Signer
) -> None:
    vector = golang["note_open"]
    existing = parse_note(vector["note_with_two_sigs"]).signatures
    resigned = parse_note(
        sign_note(vector["note_with_two_sigs"].split("\n\n")[0] + "\n", [peter], existing)
    )
    assert [s.name for s in resigned.signatures] == ["PeterNeumann", "EnochRoot"]
    assert resigned.signatures == existing


@pytest.mark.parametrize("text", ["no newline", "bad\x07bell\n", "\ud800\n"])
def test_sign_note_refuses_invalid_text(text: str, peter: Ed25519Signer) -> None:
    with pytest.raises(MalformedNoteError):
        sign_note(text, [peter])


def test_signer_and_key_reprs_hide_secrets(peter: Ed25519Signer) -> None:
    assert "c74f20a3" in repr(peter)
    key = SignerKey("n", 1, 1, b"\x42" * 32)
    assert "4242" not in repr(key) and "B" * 4 not in repr(key)


# --- properties --------------------------------------------------------------------------------------

note_text = st.lists(
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")),
        max_size=30,
    ),
    min_size=1,
    max_size=6,
).map(lambda lines: "\n".join(lines) + "\n")


@given(note_text)
def test_sign_then_open_round_trips(text: str) -> None:
    signer = Ed25519Signer("prop.example/key", ed25519.PrivateKey(b"\x07" * 32))
    signed = sign_note(text, [signer])
    opened = open_note(signed, [signer.verifier()])
    assert opened.text == text
    assert parse_note(signed).format() == signed


@given(st.text(max_size=200) | st.binary(max_size=200))
def test_parse_raises_only_malformed_note_error(data: str | bytes) -> None:
    try:
        note = parse_note(data)
    except MalformedNoteError:
        return
    assert note.format() == (data if isinstance(data, str) else data.decode())


@given(
    st.lists(st.sampled_from(["text", "\n", "\u2014 ", "name ", "AAAAAAE=", "+", " "]), max_size=12)
)
def test_parse_raises_only_malformed_note_error_on_note_like_text(parts: list[str]) -> None:
    data = "".join(parts)
    try:
        note = parse_note(data)
    except MalformedNoteError:
        return
    assert note.format() == data
    assert base64.b64decode("AAAAAAE=") == b"\x00\x00\x00\x00\x01"
