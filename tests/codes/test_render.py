"""QR rendering and label sheets: decodable symbols, page counts, human-readable text."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

from factories.codes import make_keyring
from livetrace.codes.errors import InvalidCodeRequestError
from livetrace.codes.render import (
    DEFAULT_LAYOUT,
    LAYOUTS,
    SCRATCH_INSTRUCTIONS,
    SCRATCH_LAYOUT,
    Label,
    ScratchLabel,
    label_lines,
    label_sheet,
    layout_named,
    qr_png,
    qr_svg,
    scratch_sheet,
)

RECT = re.compile(r"([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) re")
URI = "https://id.example.cn/01/09520123456788/10/L1/21/ABC234XYZ?auth=1.AAAAAAAAAAAAAAAAAAAA"


def test_svg_is_deterministic_svg() -> None:
    svg = qr_svg(URI)
    assert svg.startswith(b"<svg") and svg == qr_svg(URI)


def test_png_decodes_to_the_uri() -> None:
    image = Image.open(io.BytesIO(qr_png(URI, scale=3)))
    assert image.format == "PNG"
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [URI]


def _labels(n: int, *, title: str | None = None) -> list[Label]:
    return [
        Label(
            uri=URI.replace("ABC234XYZ", f"S{i:05d}"),
            lines=label_lines("09520123456788", "L1", "2027-10-27", f"S{i:05d}"),
            title=title,
        )
        for i in range(n)
    ]


def _pdf(labels: list[Label], layout: str = DEFAULT_LAYOUT) -> PdfReader:
    buffer = io.BytesIO()
    assert label_sheet(labels, layout_named(layout), buffer) == len(labels)
    return PdfReader(io.BytesIO(buffer.getvalue()))


def test_sheet_has_one_page_per_24_labels_and_every_human_readable_line() -> None:
    reader = _pdf(_labels(30))
    assert len(reader.pages) == 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    for i in range(30):
        assert f"(21) SN S{i:05d}" in text
    assert text.count("(01) GTIN 09520123456788") == 30
    assert text.count("(10) LOT L1") == 30
    assert text.count("(17) EXP 2027-10-27") == 30


def test_first_page_lines_sit_on_page_one() -> None:
    reader = _pdf(_labels(25))
    first, second = (page.extract_text() for page in reader.pages)
    assert "S00023" in first and "S00024" not in first and "S00024" in second


def test_chinese_titles_use_the_cid_font() -> None:
    reader = _pdf(_labels(2, title="五常大米 5kg"))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
    assert "/STSong-Light" in names and "/Helvetica" in names


def _page_bitmap(reader: PdfReader, scale: float = 3.0) -> Image.Image:
    """Rasterise the filled rectangles of page one: the QR paths are nothing but `re` ops."""
    page = reader.pages[0]
    width, height = (float(v) * scale for v in page.mediabox[2:])
    image = Image.new("L", (int(width), int(height)), 255)
    draw = ImageDraw.Draw(image)
    content = page.get_contents()
    assert content is not None
    for x, y, w, h in RECT.findall(content.get_data().decode("latin-1")):
        left, bottom = float(x) * scale, height - float(y) * scale
        draw.rectangle(
            (left, bottom - float(h) * scale, left + float(w) * scale - 1, bottom - 1), fill=0
        )
    return image


def test_codes_drawn_on_the_sheet_decode_to_their_links() -> None:
    labels = _labels(4)
    reader = _pdf(labels, "a4-2x5")
    decoded = {r.text for r in zxingcpp.read_barcodes(_page_bitmap(reader))}
    assert decoded == {label.uri for label in labels}


@pytest.mark.parametrize("name", [*LAYOUTS, "a4-1x1", "a4-5x13"])
def test_layouts_fit_their_page(name: str) -> None:
    layout = layout_named(name)
    layout.check()
    assert layout.qr_size(5) > 0


@pytest.mark.parametrize("name", ["letter-3x8", "a4-0x3", "a4-3x", "huge"])
def test_unknown_layouts_are_refused(name: str) -> None:
    with pytest.raises(InvalidCodeRequestError, match="unknown label layout") as caught:
        layout_named(name)
    assert caught.value.field == "layout"


def test_batch_labels_omit_the_serial_line() -> None:
    lines = label_lines("09520123456788", "L1", None, None)
    assert lines == ("(01) GTIN 09520123456788", "(10) LOT L1")


HIDDEN = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


def _scratch(n: int) -> tuple[list[ScratchLabel], PdfReader]:
    serials = [f"S{i:05d}" for i in range(n)]
    hidden = make_keyring().signer("09520123456788", "L1").hidden_codes(serials)
    labels = [
        ScratchLabel(h, f"#{i + 1} SN {s}")
        for i, (h, s) in enumerate(zip(hidden, serials, strict=True))
    ]
    buffer = io.BytesIO()
    assert scratch_sheet(labels, layout_named(SCRATCH_LAYOUT), buffer, title="t") == n
    return labels, PdfReader(io.BytesIO(buffer.getvalue()))


def test_scratch_sheet_holds_every_hidden_code_with_its_instruction() -> None:
    labels, reader = _scratch(70)
    assert len(reader.pages) == 2  # 65 small labels to an A4 page
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert HIDDEN.findall(text) == [label.hidden_code for label in labels]
    assert all(label.reference in text for label in labels)
    assert text.count(SCRATCH_INSTRUCTIONS[1]) == 70
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}
    assert {"/STSong-Light", "/Courier-Bold"} <= names  # the Chinese instruction, the code


def test_scratch_sheet_carries_no_link_and_no_symbol() -> None:
    _, reader = _scratch(10)
    assert "http" not in reader.pages[0].extract_text()
    content = reader.pages[0].get_contents()
    assert content is not None and not RECT.findall(content.get_data().decode("latin-1"))
    assert zxingcpp.read_barcodes(_page_bitmap(reader)) == []
