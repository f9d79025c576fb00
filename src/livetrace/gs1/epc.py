"""EPC pure-identity URNs (EPC Tag Data Standard 1.13 §6–7) and their GS1 / Digital Link forms.

Schemes: `sgtin`, `sscc`, `sgln`, `grai`, `giai`, `gsrn`, `gsrnp`, `gdti`, `sgcn`, `cpi`, `itip`
(`urn:epc:id:…`) and the `lgtin` class (`urn:epc:class:lgtin:…`).

Choices:

* Serials and other alphanumeric parts are kept decoded in `EpcId.fields`; URIs escape
  `" % & / < > ?` and `#` as `%XX` (TDS Table A-1). On input any `%XX` is decoded and the result
  must be from the part's character set; a bare `%` or an unescaped reserved character is an error.
* An SGLN extension of `0` means "no extension" and maps to no AI (254), as TDS §7.4 says.
* From GS1 data the scheme follows the primary key: (01)+(21) → sgtin, (01)+(10) without (21) →
  the lgtin class; the GS1 Company Prefix length must be supplied, since GS1 keys do not carry it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from livetrace.gs1 import keys
from livetrace.gs1.ai import Element
from livetrace.gs1.ai_lint import CSET39, CSET82
from livetrace.gs1.digital_link import (
    DEFAULT_STEM,
    STRICT,
    DlOptions,
    build_digital_link,
    parse_digital_link,
)
from livetrace.gs1.errors import EpcUriError, Gs1Error

_MUST_ESCAPE = frozenset('"%&/<>?#')
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class _Part:
    """One dot-separated part after the company prefix."""

    name: str
    charset: str  # "digits" (fixed total with the prefix), "N" (numeric), "X" (CSET 82), "Y"
    max_length: int = 0
    exact: bool = False


@dataclass(frozen=True)
class _Scheme:
    name: str
    kind: str  # "id" or "class"
    parts: tuple[_Part, ...]
    digits_with_prefix: int = 0  # company prefix + first part, when that part is digits
    max_with_prefix: int = 0  # company prefix + first part, when that part is alphanumeric


_SERIAL20 = _Part("serial", "X", 20)
SCHEMES: dict[str, _Scheme] = {
    s.name: s
    for s in (
        _Scheme("sgtin", "id", (_Part("item_ref", "digits"), _SERIAL20), 13),
        _Scheme("lgtin", "class", (_Part("item_ref", "digits"), _Part("lot", "X", 20)), 13),
        _Scheme("sscc", "id", (_Part("serial_ref", "digits"),), 17),
        _Scheme("sgln", "id", (_Part("location_ref", "digits"), _Part("extension", "X", 20)), 12),
        _Scheme("grai", "id", (_Part("asset_type", "digits"), _Part("serial", "X", 16)), 12),
        _Scheme("giai", "id", (_Part("asset_ref", "X", 30),), max_with_prefix=30),
        _Scheme("gsrn", "id", (_Part("service_ref", "digits"),), 17),
        _Scheme("gsrnp", "id", (_Part("service_ref", "digits"),), 17),
        _Scheme("gdti", "id", (_Part("document_type", "digits"), _Part("serial", "X", 17)), 12),
        _Scheme("sgcn", "id", (_Part("coupon_ref", "digits"), _Part("serial", "N", 12)), 12),
        _Scheme(
            "cpi", "id", (_Part("part_ref", "Y", 30), _Part("serial", "N", 12)), max_with_prefix=30
        ),
        _Scheme(
            "itip",
            "id",
            (
                _Part("item_ref", "digits"),
                _Part("piece", "N", 2, exact=True),
                _Part("total", "N", 2, exact=True),
                _SERIAL20,
            ),
            13,
        ),
    )
}


@dataclass(frozen=True)
class EpcId:
    """An EPC pure identity (or lgtin class): scheme, company prefix and the decoded parts."""

    scheme: str
    company_prefix: str
    parts: tuple[str, ...]

    @property
    def uri(self) -> str:
        """The URN, with reserved characters escaped."""
        spec = SCHEMES[self.scheme]
        body = ".".join([self.company_prefix, *(escape(p) for p in self.parts)])
        return f"urn:epc:{spec.kind}:{self.scheme}:{body}"

    def __str__(self) -> str:
        return self.uri


def escape(text: str) -> str:
    """Escape the characters an EPC URI part may not carry literally."""
    return "".join(f"%{ord(c):02X}" if c in _MUST_ESCAPE else c for c in text)


def _unescape(text: str, part: str) -> str:
    """Decode `%XX` escapes; raise on a bare `%` or a literal reserved character."""
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    stripped = _ESCAPE.sub("", text)
    bad = next((c for c in stripped if c in _MUST_ESCAPE), None)
    if bad is not None:
        raise EpcUriError(f"{part}: {bad!r} must be percent-escaped in an EPC URI", field=part)
    return decoded


def parse_epc_uri(uri: str) -> EpcId:
    """Parse and validate an EPC pure-identity URN or an lgtin class URN."""
    match = re.fullmatch(r"urn:epc:(id|class):([a-z]+):(.+)", uri)
    if match is None:
        raise EpcUriError(f"{uri!r} is not an urn:epc:id: or urn:epc:class: URI", field="uri")
    kind, name, body = match.groups()
    spec = SCHEMES.get(name)
    if spec is None or spec.kind != kind:
        raise EpcUriError(f"EPC scheme {kind}:{name} is not supported", field="scheme")
    # Only the last part may contain '.', so split from the left.
    fields = body.split(".", len(spec.parts))
    if len(fields) != len(spec.parts) + 1:
        raise EpcUriError(
            f"{name} URI needs {len(spec.parts) + 1} dot-separated parts, got {len(fields)}",
            field="uri",
        )
    parts = tuple(_unescape(f, p.name) for f, p in zip(fields[1:], spec.parts, strict=True))
    return make_epc(name, fields[0], parts)


def make_epc(scheme: str, company_prefix: str, parts: Sequence[str]) -> EpcId:
    """Validate the parts of an EPC and return it."""
    spec = SCHEMES.get(scheme)
    if spec is None:
        raise EpcUriError(f"EPC scheme {scheme!r} is not supported", field="scheme")
    try:
        keys.validate_company_prefix(company_prefix)
    except Gs1Error as error:
        raise EpcUriError(error.message, field="company_prefix") from error
    if len(parts) != len(spec.parts):
        raise EpcUriError(f"{scheme} needs {len(spec.parts)} parts after the company prefix")
    for part, value in zip(spec.parts, parts, strict=True):
        _check_part(spec, part, value, company_prefix)
    return EpcId(scheme, company_prefix, tuple(parts))


def _check_part(spec: _Scheme, part: _Part, value: str, prefix: str) -> None:
    """Raise unless `value` is a valid `part` of `spec` for company prefix `prefix`."""
    where = f"{spec.name} {part.name}"
    if not value and part.charset != "digits":
        raise EpcUriError(f"{where} is empty", field=part.name)
    # A 12-digit company prefix can leave a digits part empty (SGLN, GRAI, GDTI, SGCN).
    if part.charset in ("digits", "N") and value and not (value.isascii() and value.isdigit()):
        raise EpcUriError(f"{where} {value!r} must be digits", field=part.name)
    if part.exact and len(value) != part.max_length:
        raise EpcUriError(f"{where} {value!r} must have {part.max_length} digits", field=part.name)
    if part.charset == "digits" and len(prefix) + len(value) != spec.digits_with_prefix:
        raise EpcUriError(
            f"{where}: company prefix and {part.name} have {len(prefix) + len(value)} digits, "
            f"expected {spec.digits_with_prefix}",
            field=part.name,
        )
    allowed = {"X": CSET82, "Y": CSET39}.get(part.charset)
    bad = next((c for c in value if allowed is not None and c not in allowed), None)
    if bad is not None:
        raise EpcUriError(f"{where} has character {bad!r} outside its character set")
    limit = part.max_length or 0
    if spec.max_with_prefix and part is spec.parts[0]:
        limit = spec.max_with_prefix - len(prefix)
    if limit and len(value) > limit:
        raise EpcUriError(f"{where} {value!r} is longer than {limit}", field=part.name)
    if spec.name == "cpi" and part.name == "serial" and len(value) > 1 and value[0] == "0":
        raise EpcUriError(f"{where} {value!r} must not have leading zeros", field=part.name)


_Parts = tuple[str, ...]


def _gtin_elements(cp: str, parts: _Parts, qualifier: str) -> tuple[Element, ...]:
    return (Element("01", keys.gtin_from_parts(cp, parts[0])), Element(qualifier, parts[1]))


def _sgln_elements(cp: str, parts: _Parts) -> tuple[Element, ...]:
    gln = Element("414", keys.key_from_parts(cp, parts[0], 12, "GLN"))
    return (gln,) if parts[1] == "0" else (gln, Element("254", parts[1]))


def _serialised_key(ai: str, total: int, prefix: str = "") -> _ToElements:
    """Elements for keys written as [prefix] + key with check digit + serial (GRAI, GDTI, GCN)."""

    def convert(cp: str, parts: _Parts) -> tuple[Element, ...]:
        key = keys.key_from_parts(cp, parts[0], total, f"({ai})")
        return (Element(ai, prefix + key + (parts[1] if len(parts) > 1 else "")),)

    return convert


def _itip_elements(cp: str, parts: _Parts) -> tuple[Element, ...]:
    key = keys.gtin_from_parts(cp, parts[0]) + parts[1] + parts[2]
    return (Element("8006", key), Element("21", parts[3]))


_ToElements = Callable[[str, _Parts], tuple[Element, ...]]
_TO_ELEMENTS: dict[str, _ToElements] = {
    "sgtin": lambda cp, parts: _gtin_elements(cp, parts, "21"),
    "lgtin": lambda cp, parts: _gtin_elements(cp, parts, "10"),
    "sscc": lambda cp, parts: (Element("00", keys.sscc_from_parts(cp, parts[0])),),
    "sgln": _sgln_elements,
    "grai": _serialised_key("8003", 12, prefix="0"),
    "giai": lambda cp, parts: (Element("8004", cp + parts[0]),),
    "gsrn": _serialised_key("8018", 17),
    "gsrnp": _serialised_key("8017", 17),
    "gdti": _serialised_key("253", 12),
    "sgcn": _serialised_key("255", 12),
    "cpi": lambda cp, parts: (Element("8010", cp + parts[0]), Element("8011", parts[1])),
    "itip": _itip_elements,
}


def epc_to_elements(epc: EpcId) -> tuple[Element, ...]:
    """The GS1 element strings (AI, value) an EPC stands for."""
    return _TO_ELEMENTS[epc.scheme](epc.company_prefix, epc.parts)


def elements_to_epc(elements: Sequence[Element], company_prefix_length: int) -> EpcId:
    """The EPC for GS1 data whose key has a company prefix of `company_prefix_length` digits."""
    data = {e.ai: e.value for e in elements}
    n = company_prefix_length
    if "01" in data and ("21" in data or "10" in data):
        cp, ref = keys.split_gtin(data["01"], n)
        if "21" in data:
            return make_epc("sgtin", cp, (ref, data["21"]))
        return make_epc("lgtin", cp, (ref, data["10"]))
    if "00" in data:
        return make_epc("sscc", *_split(keys.split_sscc(data["00"], n)))
    if "414" in data:
        cp, ref = keys.split_key(keys.validate_gln(data["414"]), n)
        return make_epc("sgln", cp, (ref, data.get("254", "0")))
    return _other_to_epc(data, n)


def _split(pair: tuple[str, str]) -> tuple[str, tuple[str]]:
    return pair[0], (pair[1],)


def _other_to_epc(data: dict[str, str], n: int) -> EpcId:
    """The EPC for keys other than GTIN, SSCC and GLN."""
    if "8003" in data:
        value = data["8003"]
        cp, ref = keys.split_key(keys.validate_check_digit(value[1:14], key="GRAI"), n)
        return make_epc("grai", cp, (ref, value[14:]))
    if "8004" in data:
        return make_epc("giai", data["8004"][:n], (data["8004"][n:],))
    for ai, scheme in (("8018", "gsrn"), ("8017", "gsrnp")):
        if ai in data:
            return make_epc(scheme, *_split(keys.split_key(data[ai], n)))
    for ai, scheme in (("253", "gdti"), ("255", "sgcn")):
        if ai in data:
            cp, ref = keys.split_key(keys.validate_check_digit(data[ai][:13], key=ai), n)
            return make_epc(scheme, cp, (ref, data[ai][13:]))
    if "8010" in data and "8011" in data:
        return make_epc("cpi", data["8010"][:n], (data["8010"][n:], data["8011"]))
    if "8006" in data and "21" in data:
        cp, ref = keys.split_gtin(data["8006"][:14], n)
        return make_epc("itip", cp, (ref, data["8006"][14:16], data["8006"][16:], data["21"]))
    raise EpcUriError("GS1 data holds no key that an EPC scheme serialises", field="elements")


def epc_to_digital_link(uri: str, *, stem: str = DEFAULT_STEM) -> str:
    """Translate an EPC URN into its canonical GS1 Digital Link URI."""
    return build_digital_link(epc_to_elements(parse_epc_uri(uri)), stem=stem)


def digital_link_to_epc(
    uri: str, company_prefix_length: int, *, options: DlOptions = STRICT
) -> EpcId:
    """Translate a Digital Link URI into an EPC; the company prefix length must be known."""
    return elements_to_epc(parse_digital_link(uri, options).elements(), company_prefix_length)
