"""The export's line maker writes exactly what the general `ExportRow` path writes."""

from __future__ import annotations

import io
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

from factories.codes import BASE_URL, make_keyring
from livetrace.codes.authenticator import CodeSigner
from livetrace.codes.export import EpcEncoder, ExportRow, RunInfo, csv_rows, write_csv
from livetrace.codes.lines import LineMaker, StoredRow, csv_text
from livetrace.codes.serials import random_serials
from livetrace.codes.states import Target
from livetrace.gs1.ai_lint import CSET82
from livetrace.gs1.keys import with_check_digit

GTIN = with_check_digit("0697000200001")
PREFIX = "6970002"


def _info(lot: str = "L2026", *, paired: bool = False, epc: bool = False) -> RunInfo:
    return RunInfo(GTIN, lot, "2027-10-27", paired, epc, {})


def _reference(
    info: RunInfo,
    signer: CodeSigner,
    chunk: list[StoredRow],
    *,
    stem: str = BASE_URL,
    epc: EpcEncoder | None = None,
    batch: bool = False,
) -> str:
    """The CSV of a chunk made one code at a time with the signer's own methods."""
    rows = []
    for seq, serial, state in chunk:
        if batch:
            uri = signer.batch_link(stem)
        else:
            uri = signer.links(
                signer.link_prefix(stem), [serial or ""], signer.tags([serial or ""])
            )[0]
        hidden = signer.hidden_codes([serial])[0] if info.paired else None
        epc_hex = epc.hex(serial) if epc is not None and serial is not None else None
        rows.append(ExportRow(seq + 1, serial, uri, state, hidden, epc_hex))
    out = io.StringIO(newline="")
    write_csv(info, [rows], out)
    return out.getvalue().split("\r\n", 1)[1]  # without the header


def _chunk(serials: list[str], start: int = 0) -> list[StoredRow]:
    return [(start + i, s, "issued" if i % 3 else "active") for i, s in enumerate(serials)]


def test_random_qr_serials_take_the_fast_path_with_the_same_bytes() -> None:
    signer = make_keyring().signer(GTIN, "L2026")
    info = _info()
    chunk = _chunk(random_serials(500, Target.QR), start=1000)
    maker = LineMaker.for_signer(info, signer, BASE_URL)
    assert maker.text(chunk) == _reference(info, signer, chunk)


def test_paired_and_rfid_columns_match() -> None:
    signer = make_keyring().signer(GTIN, "L2026")
    info = _info(paired=True, epc=True)
    encoder = EpcEncoder(GTIN, PREFIX, Target.SGTIN_96, 1)
    chunk = _chunk(random_serials(200, Target.SGTIN_96))
    maker = LineMaker.for_signer(info, signer, BASE_URL, epc=encoder)
    text = maker.text(chunk)
    assert text == _reference(info, signer, chunk, epc=encoder)
    row = csv_rows("seq,gtin,lot,expiry,serial,digital_link,state,hidden_code,epc_hex\r\n" + text)[
        0
    ]
    assert row["hidden_code"] == signer.hidden_codes([chunk[0][1]])[0]


def test_serials_and_lots_that_need_quoting_or_escaping_match() -> None:
    signer = make_keyring().signer(GTIN, 'L"1,2')
    info = _info('L"1,2', paired=True)
    chunk = _chunk(["A,B", 'Q"1', "x/y", "%41", "PLAIN1"])
    maker = LineMaker.for_signer(info, signer, BASE_URL)
    assert maker.text(chunk) == _reference(info, signer, chunk)


def test_a_resolver_url_with_a_comma_is_quoted_like_the_general_path() -> None:
    stem = "https://id.example.cn/a,b"
    signer = make_keyring().signer(GTIN, "L1")
    chunk = _chunk(["ABC123", "DEF456"])
    maker = LineMaker.for_signer(_info("L1"), signer, stem)
    assert maker.text(chunk) == _reference(_info("L1"), signer, chunk, stem=stem)
    assert '"https://id.example.cn/a,b/01/' in maker.text(chunk)


def test_a_batch_run_repeats_its_one_link() -> None:
    signer = make_keyring().signer(GTIN, "L1")
    info = _info("L1", paired=True)
    chunk: list[StoredRow] = [(0, None, "issued")]
    maker = LineMaker.for_signer(info, signer, BASE_URL, batch=True)
    assert maker.text(chunk) == _reference(info, signer, chunk, batch=True)


def test_csv_text_counts_rows_per_chunk() -> None:
    signer = make_keyring().signer(GTIN, "L1")
    maker = LineMaker.for_signer(_info("L1"), signer, BASE_URL)
    chunks = [_chunk(["AAA2", "BBB3"]), _chunk(["CCC4"], start=2)]
    assert [rows for _, rows in csv_text(maker, chunks)] == [2, 1]


def test_a_line_maker_pickles_without_the_keyring() -> None:
    keyring = make_keyring()
    signer = keyring.signer(GTIN, "L1")
    maker = LineMaker.for_signer(_info("L1", paired=True), signer, BASE_URL)
    data = pickle.dumps(maker)
    assert keyring.product_key(1, GTIN) in data
    assert b"test-secret" not in data  # the deployment secret stays in the parent
    chunk = _chunk(["AAA2", "B,B3"])
    assert pickle.loads(data).text(chunk) == maker.text(chunk)


SERIALS = st.lists(
    st.text(alphabet=sorted(CSET82), min_size=1, max_size=20), min_size=1, max_size=8, unique=True
)


@settings(max_examples=60)
@given(SERIALS, st.booleans())
def test_any_valid_serials_give_the_general_paths_bytes(serials: list[str], paired: bool) -> None:
    signer = make_keyring().signer(GTIN, "L1")
    info = _info("L1", paired=paired)
    chunk = _chunk(serials)
    assert LineMaker.for_signer(info, signer, BASE_URL).text(chunk) == _reference(
        info, signer, chunk
    )
