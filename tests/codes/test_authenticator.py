"""Authenticators: offline verification, forgery, truncation, rotation; QR round trip."""

from __future__ import annotations

import hmac
import io

import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from factories.codes import make_keyring
from livetrace.codes.authenticator import (
    AUTH_PARAM,
    TAG_CHARS,
    CodeKeyring,
    PrefixedHmac,
    code_link,
    fast_link,
)
from livetrace.codes.errors import (
    AuthenticatorFormatError,
    AuthenticatorKeyError,
    AuthenticatorMismatchError,
    AuthenticatorMissingError,
    HiddenCodeError,
)
from livetrace.codes.render import qr_png
from livetrace.codes.serials import ALPHABET
from livetrace.gs1.ai import Element
from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.errors import AIValueError, DigitalLinkError, Gs1Error
from livetrace.gs1.scan_data import parse_scan_data
from livetrace.kit.errors import VerificationError

GTIN = "09520123456788"
STEM = "https://id.example.cn"


@pytest.fixture
def keyring() -> CodeKeyring:
    return make_keyring()


def issued_link(keyring: CodeKeyring, serial: str = "ABC234XYZ", lot: str = "L2026A") -> str:
    signer = keyring.signer(GTIN, lot)
    return fast_link(signer.link_prefix(STEM), serial, signer.tags([serial])[0])


def test_issued_link_has_the_documented_shape(keyring: CodeKeyring) -> None:
    link = issued_link(keyring)
    path, _, query = link.partition("?")
    assert path == f"{STEM}/01/{GTIN}/10/L2026A/21/ABC234XYZ"
    name, _, value = query.partition("=")
    version, _, tag = value.partition(".")
    assert name == AUTH_PARAM and version == "1" and len(tag) == TAG_CHARS


def test_round_trip_verifies_offline(keyring: CodeKeyring) -> None:
    verified = keyring.verify(issued_link(keyring))
    assert (verified.gtin, verified.lot, verified.serial, verified.version) == (
        GTIN,
        "L2026A",
        "ABC234XYZ",
        1,
    )


def test_another_deployment_secret_rejects_the_code(keyring: CodeKeyring) -> None:
    other = CodeKeyring.from_secret("another-deployment-secret-of-enough-length")
    with pytest.raises(AuthenticatorMismatchError):
        other.verify(issued_link(keyring))


@pytest.mark.parametrize(
    ("old", "new"),
    [("/21/ABC234XYZ", "/21/ABC234XYY"), ("/10/L2026A", "/10/L2026B")],
)
def test_altered_serial_or_lot_is_rejected(keyring: CodeKeyring, old: str, new: str) -> None:
    with pytest.raises(AuthenticatorMismatchError, match="not issued here"):
        keyring.verify(issued_link(keyring).replace(old, new))


def test_a_forged_tag_is_rejected(keyring: CodeKeyring) -> None:
    link = issued_link(keyring)
    head, _, tag = link.rpartition(".")
    forged = head + "." + ("A" if tag[0] != "A" else "B") + tag[1:]
    with pytest.raises(AuthenticatorMismatchError) as caught:
        keyring.verify(forged)
    assert isinstance(caught.value, VerificationError) and caught.value.field == AUTH_PARAM


def test_a_truncated_tag_is_rejected_as_malformed(keyring: CodeKeyring) -> None:
    link = issued_link(keyring)
    with pytest.raises(AuthenticatorFormatError, match="truncated: 16 of 20") as caught:
        keyring.verify(link[:-4])
    assert caught.value.details == {"length": 16, "expected": 20}
    with pytest.raises(AuthenticatorFormatError, match="too long"):
        keyring.verify(link + "AA")


@pytest.mark.parametrize(
    "value", ["", "1", "X.ABC", "1-AAAAAAAAAAAAAAAAAAAA", "1.AAAAAAAAAAAAAAAAAAAG", "12345.AA"]
)
def test_malformed_values_are_rejected(keyring: CodeKeyring, value: str) -> None:
    link = issued_link(keyring).partition("?")[0] + f"?{AUTH_PARAM}={value}"
    with pytest.raises(AuthenticatorFormatError):
        keyring.verify(link)


def test_missing_and_repeated_parameters(keyring: CodeKeyring) -> None:
    link = issued_link(keyring)
    with pytest.raises(AuthenticatorMissingError):
        keyring.verify(link.partition("?")[0])
    with pytest.raises(AuthenticatorFormatError, match="exactly one"):
        keyring.verify(link + "&" + link.partition("?")[2])


def test_lower_case_tag_is_accepted_and_other_params_are_ignored(keyring: CodeKeyring) -> None:
    link = issued_link(keyring)
    head, _, tag = link.rpartition(".")
    assert keyring.verify(f"{head}.{tag.lower()}&linkType=gs1:pip").serial == "ABC234XYZ"


def test_query_attributes_are_covered_in_any_order(keyring: CodeKeyring) -> None:
    data = [("01", GTIN), ("10", "L1"), ("21", "S2345"), ("11", "261028"), ("17", "271027")]
    tag = keyring.tag_for([Element(ai, value) for ai, value in data], 1)
    base = f"{STEM}/01/{GTIN}/10/L1/21/S2345"
    assert keyring.verify(f"{base}?17=271027&11=261028&auth={tag}").serial == "S2345"
    assert keyring.verify(f"{base}?11=261028&17=271027&auth={tag}").serial == "S2345"
    with pytest.raises(AuthenticatorMismatchError):
        keyring.verify(f"{base}?11=261028&17=271028&auth={tag}")


def test_keys_rotate_and_retire() -> None:
    old = make_keyring()
    link = issued_link(old)
    rotated = make_keyring(current_version=2)
    assert rotated.verify(link).version == 1
    assert issued_link(rotated).split("auth=")[1].startswith("2.")
    retired = make_keyring(current_version=2, retired=[1])
    with pytest.raises(AuthenticatorKeyError, match="retired"):
        retired.verify(link)
    with pytest.raises(AuthenticatorKeyError, match="unknown"):
        old.verify(issued_link(rotated))
    with pytest.raises(ValueError, match="cannot be retired"):
        make_keyring(current_version=2, retired=[2])


def test_product_keys_differ_per_gtin_and_version(keyring: CodeKeyring) -> None:
    keys = {keyring.product_key(v, g) for v in (1, 2) for g in (GTIN, "09520123456795")}
    assert len(keys) == 4
    assert keyring.hidden_key(1, GTIN) not in keys


def test_wrong_check_digit_and_unknown_ai_fail_before_the_mac(keyring: CodeKeyring) -> None:
    link = issued_link(keyring)
    with pytest.raises(AIValueError, match="check_digit") as caught:
        keyring.verify(link.replace(GTIN, GTIN[:-1] + "9"))
    assert caught.value.lint == "INCORRECT_CHECK_DIGIT"
    with pytest.raises(DigitalLinkError, match="not a known GS1 AI"):
        keyring.verify(link.replace("?auth", "?9999=1&auth"))


def test_non_gtin_links_are_not_item_codes(keyring: CodeKeyring) -> None:
    with pytest.raises(AuthenticatorMismatchError, match="keyed by GTIN"):
        keyring.verify(f"{STEM}/00/106141412345678908?auth=1.AAAAAAAAAAAAAAAAAAAA")


def test_hidden_codes_verify_only_for_their_item(keyring: CodeKeyring) -> None:
    code = keyring.verify(issued_link(keyring))
    hidden = keyring.hidden_code(GTIN, "L2026A", "ABC234XYZ", 1)
    assert len(hidden) == 14 and hidden[4] == hidden[9] == "-"
    assert set(hidden.replace("-", "")) <= set(ALPHABET)
    keyring.verify_hidden(code, hidden.lower().replace("-", " "))
    other = keyring.hidden_code(GTIN, "L2026A", "ABC234XYY", 1)
    with pytest.raises(HiddenCodeError):
        keyring.verify_hidden(code, other)


def test_batch_links_have_no_serial(keyring: CodeKeyring) -> None:
    link = keyring.signer(GTIN, "L2026A").batch_link(STEM)
    assert "/21/" not in link
    verified = keyring.verify(link)
    assert verified.serial is None and verified.lot == "L2026A"


@given(st.binary(max_size=100), st.binary(max_size=80), st.binary(max_size=80))
def test_prefixed_hmac_equals_rfc2104(key: bytes, prefix: bytes, suffix: bytes) -> None:
    expected = hmac.new(key, prefix + suffix, "sha256").digest()
    assert PrefixedHmac(key, prefix).digest(suffix) == expected


LOTS = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)
SERIALS = st.text(alphabet=sorted(CSET82), min_size=1, max_size=20)


@given(LOTS, SERIALS)
def test_fast_path_equals_the_strict_builder_and_verifies(lot: str, serial: str) -> None:
    keyring = make_keyring()
    signer = keyring.signer(GTIN, lot)
    tag = signer.tags([serial])[0]
    link = fast_link(signer.link_prefix(STEM), serial, tag)
    assert link == code_link(STEM, GTIN, lot, serial, tag)
    assert signer.links(signer.link_prefix(STEM), [serial], [tag]) == [link]
    verified = keyring.verify(link)
    assert (verified.lot, verified.serial) == (lot, serial)


def test_qr_round_trip_png_decode_parse_verify(keyring: CodeKeyring) -> None:
    signer = keyring.signer(GTIN, "L2026/A")
    serials = ["ABC234XYZ", "Z98765432KMNP"]
    for serial, tag in zip(serials, signer.tags(serials), strict=True):
        link = fast_link(signer.link_prefix(STEM), serial, tag)
        image = Image.open(io.BytesIO(qr_png(link, scale=4)))
        results = zxingcpp.read_barcodes(image)
        assert len(results) == 1
        decoded = results[0]
        assert decoded.format == zxingcpp.BarcodeFormat.QRCode and decoded.text == link
        scan = parse_scan_data(decoded.symbology_identifier + decoded.text)
        assert dict(scan.elements)["21"] == serial
        assert keyring.verify(decoded.text).serial == serial


def test_a_tampered_qr_payload_fails_after_decoding(keyring: CodeKeyring) -> None:
    link = issued_link(keyring).replace("/21/ABC234XYZ", "/21/ABC234XYA")
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png(link))))[0].text
    with pytest.raises(AuthenticatorMismatchError):
        keyring.verify(decoded)


def test_garbage_is_a_gs1_error_not_a_crash(keyring: CodeKeyring) -> None:
    with pytest.raises(Gs1Error):
        keyring.verify("not a link")
