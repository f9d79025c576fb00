"""EPC binary encodings SGTIN-96, SGTIN-198 and SSCC-96, and EPC tag URIs (TDS 1.13 §14).

Layouts (most significant bit first): header (8) | filter (3) | partition (3) | company prefix |
reference | serial. Partition tables are TDS Tables 14-2 (SGTIN) and 14-5 (SSCC).

Choices:

* Hex output is upper case and padded with zero bits to whole 16-bit words, as EPC memory is
  word-aligned (SGTIN-198 → 208 bits, 52 hex digits). Decoding accepts any hex string long
  enough for the header's scheme, as long as the bits after the encoding are zero.
* Filter values 0–7 are all encodable, reserved ones included, since tags in the field carry them;
  `SGTIN_FILTERS` and `SSCC_FILTERS` name the meanings.
* `tag_for` picks SGTIN-96 when the serial fits it (digits, no leading zero, < 2^38) and
  SGTIN-198 otherwise; asking for SGTIN-96 with a serial that does not fit raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.epc import EpcId, escape, make_epc, parse_epc_uri
from livetrace.gs1.errors import EpcDecodingError, EpcEncodingError, EpcUriError, Gs1Error

HEADERS = {"sgtin-96": 0x30, "sscc-96": 0x31, "sgtin-198": 0x36}
BITS = {"sgtin-96": 96, "sscc-96": 96, "sgtin-198": 198}
SERIAL_BITS = {"sgtin-96": 38, "sgtin-198": 140}
SGTIN96_MAX_SERIAL = 2**38 - 1

# partition → (company prefix bits, company prefix digits, reference bits, reference digits)
SGTIN_PARTITIONS = {
    0: (40, 12, 4, 1), 1: (37, 11, 7, 2), 2: (34, 10, 10, 3), 3: (30, 9, 14, 4),
    4: (27, 8, 17, 5), 5: (24, 7, 20, 6), 6: (20, 6, 24, 7),
}  # fmt: skip
SSCC_PARTITIONS = {
    0: (40, 12, 18, 5), 1: (37, 11, 21, 6), 2: (34, 10, 24, 7), 3: (30, 9, 28, 8),
    4: (27, 8, 31, 9), 5: (24, 7, 34, 10), 6: (20, 6, 38, 11),
}  # fmt: skip
SGTIN_FILTERS = {
    0: "all others", 1: "point of sale trade item", 2: "full case for transport", 3: "reserved",
    4: "inner pack trade item grouping", 5: "reserved", 6: "unit load",
    7: "component not for individual sale",
}  # fmt: skip
SSCC_FILTERS = {0: "all others", 2: "full case for transport", 6: "unit load"}


@dataclass(frozen=True)
class EpcTag:
    """An EPC with the binary scheme and filter value a tag carries (an EPC tag URI)."""

    scheme: str
    filter: int
    epc: EpcId

    @property
    def uri(self) -> str:
        """`urn:epc:tag:<scheme>:<filter>.<company prefix>.<fields>`."""
        body = ".".join([self.epc.company_prefix, *(escape(p) for p in self.epc.parts)])
        return f"urn:epc:tag:{self.scheme}:{self.filter}.{body}"


def serial_fits_sgtin96(serial: str) -> bool:
    """Whether an SGTIN serial can be encoded in SGTIN-96."""
    numeric = serial.isascii() and serial.isdigit()
    return numeric and (serial == "0" or serial[0] != "0") and int(serial) <= SGTIN96_MAX_SERIAL


def make_tag(epc: EpcId, scheme: str, filter_value: int) -> EpcTag:
    """Validate that `epc` can be encoded as `scheme` with `filter_value`."""
    if scheme not in HEADERS:
        raise EpcEncodingError(f"binary scheme {scheme!r} is not supported", field="scheme")
    if scheme.split("-", maxsplit=1)[0] != epc.scheme:
        raise EpcEncodingError(f"a {epc.scheme} EPC cannot be encoded as {scheme}", field="scheme")
    if not 0 <= filter_value <= 7:
        raise EpcEncodingError(f"filter value {filter_value} is outside 0..7", field="filter")
    if scheme == "sgtin-96" and not serial_fits_sgtin96(epc.parts[1]):
        raise EpcEncodingError(
            f"serial {epc.parts[1]!r} does not fit SGTIN-96: it needs digits without leading "
            f"zeros and a value up to {SGTIN96_MAX_SERIAL}; use SGTIN-198",
            field="serial",
        )
    return EpcTag(scheme, filter_value, epc)


def tag_for(epc: EpcId, filter_value: int = 0, scheme: str | None = None) -> EpcTag:
    """The tag for `epc`: SGTIN-96 when the serial fits, else SGTIN-198; SSCC-96 for SSCCs."""
    if scheme is None:
        if epc.scheme == "sscc":
            scheme = "sscc-96"
        else:
            scheme = "sgtin-96" if serial_fits_sgtin96(epc.parts[-1]) else "sgtin-198"
    return make_tag(epc, scheme, filter_value)


def parse_tag_uri(uri: str) -> EpcTag:
    """Parse an EPC tag URI such as `urn:epc:tag:sgtin-96:3.0614141.812345.6789`."""
    match = re.fullmatch(r"urn:epc:tag:([a-z]+-\d+):([0-7])\.(.+)", uri)
    if match is None:
        raise EpcUriError(f"{uri!r} is not a supported EPC tag URI", field="uri")
    scheme, filter_digit, body = match.groups()
    if scheme not in HEADERS:
        raise EpcUriError(f"tag scheme {scheme!r} is not supported", field="scheme")
    epc = parse_epc_uri(f"urn:epc:id:{scheme.split('-', maxsplit=1)[0]}:{body}")
    try:
        return make_tag(epc, scheme, int(filter_digit))
    except EpcEncodingError as error:
        raise EpcUriError(error.message, field=error.field) from error


def encode(tag: EpcTag) -> str:
    """The tag's EPC binary encoding as upper-case hex, padded to 16-bit words."""
    value, width = _pack(tag)
    padded = -(-width // 16) * 16
    return f"{value << (padded - width):0{padded // 4}X}"


def _pack(tag: EpcTag) -> tuple[int, int]:
    """The encoding as an integer and its width in bits."""
    cp = tag.epc.company_prefix
    partition = 12 - len(cp)
    table = SSCC_PARTITIONS if tag.scheme == "sscc-96" else SGTIN_PARTITIONS
    cp_bits, _, ref_bits, _ = table[partition]
    fields = [(HEADERS[tag.scheme], 8), (tag.filter, 3), (partition, 3)]
    fields += [(int(cp), cp_bits), (int(tag.epc.parts[0]), ref_bits)]
    if tag.scheme == "sscc-96":
        fields.append((0, 24))
    elif tag.scheme == "sgtin-96":
        fields.append((int(tag.epc.parts[1]), 38))
    else:
        fields.append((_pack_string(tag.epc.parts[1], 20), 140))
    value = 0
    for field_value, bits in fields:
        value = (value << bits) | field_value
    return value, sum(bits for _, bits in fields)


def _pack_string(text: str, length: int) -> int:
    """7-bit ASCII characters, zero-padded to `length` characters."""
    value = 0
    for char in text.ljust(length, "\0"):
        value = (value << 7) | ord(char)
    return value


def encode_tag_uri(uri: str) -> str:
    """Hex encoding of an EPC tag URI."""
    return encode(parse_tag_uri(uri))


def decode(hex_data: str) -> EpcTag:
    """Decode SGTIN-96, SGTIN-198 or SSCC-96 hex into an `EpcTag`."""
    if not re.fullmatch(r"[0-9A-Fa-f]{2,}", hex_data):
        raise EpcDecodingError("EPC binary data must be hexadecimal", field="hex")
    header = int(hex_data[:2], 16)
    scheme = next((name for name, h in HEADERS.items() if h == header), None)
    if scheme is None:
        raise EpcDecodingError(f"header 0x{header:02X} is not SGTIN-96/198 or SSCC-96")
    total = len(hex_data) * 4
    if total < BITS[scheme]:
        raise EpcDecodingError(f"{scheme} needs {BITS[scheme]} bits, got {total}", field="hex")
    reader = _BitReader(int(hex_data, 16), total)
    reader.read(8)
    try:
        tag = _unpack(scheme, reader)
    except Gs1Error as error:
        raise EpcDecodingError(f"{scheme}: {error.message}", field="hex") from error
    if reader.read(total - BITS[scheme]) != 0:
        raise EpcDecodingError(f"{scheme}: bits after the encoding must be zero", field="hex")
    return tag


class _BitReader:
    """Reads unsigned fields from the most significant end of an integer."""

    def __init__(self, value: int, width: int) -> None:
        self.value, self.remaining = value, width

    def read(self, bits: int) -> int:
        self.remaining -= bits
        return (self.value >> self.remaining) & ((1 << bits) - 1)


def _unpack(scheme: str, reader: _BitReader) -> EpcTag:
    filter_value, partition = reader.read(3), reader.read(3)
    table = SSCC_PARTITIONS if scheme == "sscc-96" else SGTIN_PARTITIONS
    if partition not in table:
        raise EpcDecodingError(f"partition value {partition} is not 0..6", field="partition")
    cp_bits, cp_digits, ref_bits, ref_digits = table[partition]
    cp = _digits(reader.read(cp_bits), cp_digits, "company prefix")
    ref = _digits(reader.read(ref_bits), ref_digits, "reference")
    if scheme == "sscc-96":
        if reader.read(24) != 0:
            raise EpcDecodingError("SSCC-96 reserved bits must be zero", field="hex")
        return make_tag(make_epc("sscc", cp, (ref,)), scheme, filter_value)
    serial = str(reader.read(38)) if scheme == "sgtin-96" else _unpack_string(reader.read(140), 20)
    return make_tag(make_epc("sgtin", cp, (ref, serial)), scheme, filter_value)


def _digits(value: int, digits: int, name: str) -> str:
    """`value` as exactly `digits` decimal digits; raise if it has more."""
    if value >= 10**digits:
        raise EpcDecodingError(f"{name} value {value} has more than {digits} digits", field=name)
    return str(value).zfill(digits)


def _unpack_string(value: int, length: int) -> str:
    """Decode 7-bit characters up to the first zero; everything after it must be zero."""
    chars = [(value >> (7 * (length - 1 - i))) & 0x7F for i in range(length)]
    end = chars.index(0) if 0 in chars else length
    if any(chars[end:]):
        raise EpcDecodingError("SGTIN-198 serial has data after its end", field="serial")
    text = "".join(map(chr, chars[:end]))
    if not text or any(c not in CSET82 for c in text):
        raise EpcDecodingError(f"SGTIN-198 serial {text!r} is empty or not CSET 82", field="serial")
    return text


def decode_to_tag_uri(hex_data: str) -> str:
    """The EPC tag URI of binary EPC hex data."""
    return decode(hex_data).uri
