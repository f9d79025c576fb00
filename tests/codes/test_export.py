"""CSV, ZIP and EPC hex exports."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livetrace.codes.errors import InvalidCodeRequestError
from livetrace.codes.export import (
    CSV_NAME,
    MANIFEST_NAME,
    EpcEncoder,
    ExportRow,
    RunInfo,
    csv_field,
    csv_rows,
    write_csv,
    write_epc_hex,
    write_zip,
)
from livetrace.codes.states import Target
from livetrace.gs1.epc_binary import SGTIN96_MAX_SERIAL, decode

GTIN = "80614141123458"


def _info(lot: str = "L1", *, paired: bool = False, epc: bool = False) -> RunInfo:
    return RunInfo(GTIN, lot, "2027-10-27", paired, epc, {"run_id": "r1"})


def _rows(n: int) -> list[list[ExportRow]]:
    rows = [
        ExportRow(
            i + 1, f"S{i}", f"https://x.cn/01/{GTIN}/21/S{i}?auth=1.A", "issued", "AB-CD", "30"
        )
        for i in range(n)
    ]
    return [rows[:2], rows[2:]]


def test_csv_round_trips_through_the_stdlib_reader_even_with_a_nasty_lot() -> None:
    out = io.StringIO(newline="")
    lot = 'L"1,2'
    assert write_csv(_info(lot, paired=True, epc=True), _rows(3), out) == 3
    text = out.getvalue()
    assert text.startswith("seq,gtin,lot,expiry,serial,digital_link,state,hidden_code,epc_hex\r\n")
    rows = csv_rows(text)
    assert [r["serial"] for r in rows] == ["S0", "S1", "S2"]
    assert {r["lot"] for r in rows} == {lot} and rows[0]["hidden_code"] == "AB-CD"


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30))
def test_csv_field_quotes_exactly_when_needed(value: str) -> None:
    out = io.StringIO(newline="")
    out.write("a," + csv_field(value) + "\r\n")
    rows = csv_rows("x,y\r\n" + out.getvalue())
    if "\r" not in value:  # the stdlib reader folds a lone CR; the writer still quotes it
        assert rows[0]["y"] == value


def test_zip_holds_csv_and_a_manifest_with_its_checksum() -> None:
    buffer = io.BytesIO()
    assert write_zip(_info(), _rows(4), buffer) == 4
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        data = archive.read(CSV_NAME)
        manifest = json.loads(archive.read(MANIFEST_NAME))
    assert manifest["rows"] == 4 and manifest["run_id"] == "r1"
    assert manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(csv_rows(data.decode())) == 4


def test_epc_hex_list_is_one_line_per_code() -> None:
    out = io.StringIO()
    encoder = EpcEncoder(GTIN, "0614141", Target.SGTIN_96, 3)
    rows = [[ExportRow(1, "6789", "u", "issued", epc_hex=encoder.hex("6789"))]]
    assert write_epc_hex(rows, out) == 1
    assert out.getvalue() == "3074257BF7194E4000001A85\n"  # TDS 1.13 Annex E example


def test_qr_runs_have_no_epc() -> None:
    with pytest.raises(InvalidCodeRequestError, match="sgtin-96 or sgtin-198"):
        EpcEncoder(GTIN, "0614141", Target.QR, 1)


@given(st.integers(min_value=1, max_value=SGTIN96_MAX_SERIAL), st.integers(0, 7))
def test_sgtin96_fast_path_equals_the_full_encoder(serial: int, filter_value: int) -> None:
    encoder = EpcEncoder(GTIN, "0614141", Target.SGTIN_96, filter_value)
    fast = encoder.hex(str(serial))
    tag = decode(fast)
    assert tag.scheme == "sgtin-96" and tag.filter == filter_value
    assert tag.epc.parts == ("812345", str(serial))


@given(st.text(alphabet="23456789ABCDEFGHJKMNPQRSTUVWXYZ", min_size=1, max_size=20))
def test_sgtin198_round_trips(serial: str) -> None:
    encoder = EpcEncoder(GTIN, "0614141", Target.SGTIN_198, 1)
    tag = decode(encoder.hex(serial))
    assert tag.scheme == "sgtin-198" and tag.epc.parts[1] == serial
