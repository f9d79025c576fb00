"""QR codes (segno) as SVG and PNG, and printable label sheets as PDF (reportlab), pure.

QR codes are made with a fixed error-correction level M and `boost_error=False`, so the same URI
always gives the same symbol. On label sheets each code is segno's module matrix drawn as one
filled path (runs of dark modules become rectangles), with a 4-module quiet zone, and the
human-readable lines (GTIN, lot, expiry, serial) centred under it. Text that is not ASCII, such as
a Chinese product name, is set in reportlab's built-in `STSong-Light` CID font, which PDF viewers
supply, so nothing has to be embedded.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from livetrace.codes.errors import InvalidCodeRequestError

QR_ERROR = "m"
QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires around a QR symbol
LATIN_FONT = "Helvetica"
CJK_FONT = "STSong-Light"
_LINE_SPACING = 1.2
_GRID_NAME = re.compile(r"a4-([1-9])x([1-9][0-9]?)")


def make_qr(uri: str) -> segno.QRCode:
    """The QR symbol for `uri`, deterministic (level M, no error boosting)."""
    return segno.make(uri, error=QR_ERROR, boost_error=False, micro=False)


def qr_svg(uri: str, *, scale: int = 4) -> bytes:
    """An SVG of the QR code (module size `scale` px, with the quiet zone)."""
    buffer = io.BytesIO()
    make_qr(uri).save(buffer, kind="svg", scale=scale, border=QUIET_ZONE, xmldecl=False)
    return buffer.getvalue()


def qr_png(uri: str, *, scale: int = 4) -> bytes:
    """A PNG of the QR code (module size `scale` px, with the quiet zone)."""
    buffer = io.BytesIO()
    make_qr(uri).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Label:
    """One label: the URI in the QR code, text lines under it, and an optional title line."""

    uri: str
    lines: tuple[str, ...]
    title: str | None = None


@dataclass(frozen=True, slots=True)
class LabelLayout:
    """A sheet of equal labels in a grid; lengths in PDF points (1/72 inch)."""

    name: str
    page_width: float
    page_height: float
    columns: int
    rows: int
    label_width: float
    label_height: float
    margin_left: float = 0.0
    margin_top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    font_size: float = 6.0
    padding: float = 1.5 * mm

    @property
    def per_page(self) -> int:
        """Labels on one sheet."""
        return self.columns * self.rows

    def text_height(self, lines: int) -> float:
        """Height of `lines` lines of text."""
        return lines * self.font_size * _LINE_SPACING

    def qr_size(self, lines: int) -> float:
        """Side of the QR square (quiet zone included) that leaves room for `lines` of text."""
        free_height = self.label_height - 2 * self.padding - self.text_height(lines)
        return max(0.0, min(self.label_width - 2 * self.padding, free_height))

    def origin(self, index: int) -> tuple[float, float]:
        """Bottom-left corner of the label at `index` on its page (row by row from the top)."""
        row, column = divmod(index % self.per_page, self.columns)
        x = self.margin_left + column * (self.label_width + self.gap_x)
        top = self.page_height - self.margin_top - row * (self.label_height + self.gap_y)
        return x, top - self.label_height

    def check(self) -> None:
        """Raise unless the grid fits on the page."""
        width = self.margin_left + self.columns * self.label_width + (self.columns - 1) * self.gap_x
        height = self.margin_top + self.rows * self.label_height + (self.rows - 1) * self.gap_y
        if width > self.page_width + 0.01 or height > self.page_height + 0.01:
            raise InvalidCodeRequestError(
                f"layout {self.name!r} does not fit on its page", field="layout"
            )


def grid_layout(columns: int, rows: int, *, font_size: float | None = None) -> LabelLayout:
    """An A4 sheet cut into `columns` x `rows` equal labels without margins."""
    width, height = A4
    size = font_size if font_size is not None else (7.0 if rows <= 5 else 5.5)
    return LabelLayout(
        name=f"a4-{columns}x{rows}",
        page_width=width,
        page_height=height,
        columns=columns,
        rows=rows,
        label_width=width / columns,
        label_height=height / rows,
        font_size=size,
    )


LAYOUTS: dict[str, LabelLayout] = {
    layout.name: layout for layout in (grid_layout(3, 8), grid_layout(2, 5), grid_layout(4, 10))
}
DEFAULT_LAYOUT = "a4-3x8"


def layout_named(name: str) -> LabelLayout:
    """A preset, or any `a4-<columns>x<rows>` grid (1-9 columns, 1-99 rows)."""
    if name in LAYOUTS:
        return LAYOUTS[name]
    match = _GRID_NAME.fullmatch(name)
    if match is None:
        presets = ", ".join(sorted(LAYOUTS))
        raise InvalidCodeRequestError(
            f"unknown label layout {name!r}: use one of {presets} or a4-<columns>x<rows>",
            field="layout",
        )
    return grid_layout(int(match.group(1)), int(match.group(2)))


def _register_cjk_font() -> None:
    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _font_for(text: str) -> str:
    if text.isascii():
        return LATIN_FONT
    _register_cjk_font()
    return CJK_FONT


def _draw_qr(canvas: Canvas, uri: str, x: float, y: float, size: float) -> None:
    """Draw the QR code with its quiet zone into the square at (x, y) of side `size`."""
    matrix = make_qr(uri).matrix
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    top = y + size - QUIET_ZONE * module
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        row_y = top - (row_index + 1) * module
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                left = x + (QUIET_ZONE + start) * module
                path.rect(left, row_y, (column - start) * module, module)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)


def _text_lines(label: Label) -> list[str]:
    return [*([label.title] if label.title else []), *label.lines]


def _draw_label(canvas: Canvas, layout: LabelLayout, label: Label, index: int) -> None:
    x, y = layout.origin(index)
    lines = _text_lines(label)
    size = layout.qr_size(len(lines))
    qr_x = x + (layout.label_width - size) / 2
    qr_y = y + layout.label_height - layout.padding - size
    _draw_qr(canvas, label.uri, qr_x, qr_y, size)
    centre = x + layout.label_width / 2
    baseline = qr_y - layout.font_size
    for line in lines:
        canvas.setFont(_font_for(line), layout.font_size)
        canvas.drawCentredString(centre, baseline, line)
        baseline -= layout.font_size * _LINE_SPACING


def label_sheet(
    labels: Iterable[Label], layout: LabelLayout, out: IO[bytes], *, title: str = "labels"
) -> int:
    """Write a PDF of labels in the layout's grid, page after page; returns the label count."""
    layout.check()
    canvas = Canvas(out, pagesize=(layout.page_width, layout.page_height), pageCompression=1)
    canvas.setTitle(title)
    count = 0
    for count, label in enumerate(labels, start=1):
        if count > 1 and (count - 1) % layout.per_page == 0:
            canvas.showPage()
        _draw_label(canvas, layout, label, count - 1)
    canvas.showPage()
    canvas.save()
    return count


# -- scratch-off labels for hidden codes ------------------------------------------------------

SCRATCH_LAYOUT = "a4-5x13"
SCRATCH_FONT = "Courier-Bold"
SCRATCH_INSTRUCTIONS = (
    "刮开涂层，扫码后输入验证码",
    "Scratch off, scan the pack, enter this code",
)


@dataclass(frozen=True, slots=True)
class ScratchLabel:
    """One hidden verification code under a scratch-off panel, and where it belongs."""

    hidden_code: str
    reference: str  # which item it goes with (sequence and serial), printed outside the panel


def _draw_scratch_label(
    canvas: Canvas, layout: LabelLayout, label: ScratchLabel, index: int
) -> None:
    x, y = layout.origin(index)
    pad, size = layout.padding, layout.font_size
    centre = x + layout.label_width / 2
    baseline = y + layout.label_height - pad - size
    for line in SCRATCH_INSTRUCTIONS:
        font = _font_for(line)
        canvas.setFont(font, _fit(line, font, layout.label_width - 2 * pad, size))
        canvas.drawCentredString(centre, baseline, line)
        baseline -= size * _LINE_SPACING
    code_size = _fit(label.hidden_code, SCRATCH_FONT, layout.label_width - 4 * pad, 2.4 * size)
    panel_height = code_size * 1.8
    panel_y = baseline - panel_height + size * 0.4
    # The panel is where the scratch-off coating goes: a rounded outline, never a barcode.
    canvas.setDash(1, 1)
    canvas.roundRect(x + pad, panel_y, layout.label_width - 2 * pad, panel_height, pad, fill=0)
    canvas.setDash()
    canvas.setFont(SCRATCH_FONT, code_size)
    canvas.drawCentredString(
        centre, panel_y + (panel_height - code_size * 0.7) / 2, label.hidden_code
    )
    canvas.setFont(_font_for(label.reference), size)
    canvas.drawCentredString(centre, y + pad, label.reference)


def _fit(text: str, font: str, width: float, largest: float) -> float:
    """The largest font size up to `largest` at which `text` fits in `width`."""
    natural = pdfmetrics.stringWidth(text, font, 1.0)
    return min(largest, width / natural) if natural else largest


def scratch_sheet(
    labels: Iterable[ScratchLabel], layout: LabelLayout, out: IO[bytes], *, title: str
) -> int:
    """Write a PDF of scratch-off labels for hidden codes; returns the label count."""
    layout.check()
    canvas = Canvas(out, pagesize=(layout.page_width, layout.page_height), pageCompression=1)
    canvas.setTitle(title)
    canvas.setLineWidth(0.4)
    count = 0
    for count, label in enumerate(labels, start=1):
        if count > 1 and (count - 1) % layout.per_page == 0:
            canvas.showPage()
            canvas.setLineWidth(0.4)
        _draw_scratch_label(canvas, layout, label, count - 1)
    canvas.showPage()
    canvas.save()
    return count


def label_lines(gtin: str, lot: str, expiry: str | None, serial: str | None) -> tuple[str, ...]:
    """The human-readable lines under a code: GTIN, lot, expiry and serial, with their AIs."""
    lines = [f"(01) GTIN {gtin}", f"(10) LOT {lot}"]
    if expiry is not None:
        lines.append(f"(17) EXP {expiry}")
    if serial is not None:
        lines.append(f"(21) SN {serial}")
    return tuple(lines)


def labels_for(
    rows: Sequence[tuple[str, str, str, str | None, str | None]], title: str | None = None
) -> list[Label]:
    """Labels from (uri, gtin, lot, expiry, serial) tuples."""
    return [
        Label(uri=uri, lines=label_lines(gtin, lot, expiry, serial), title=title)
        for uri, gtin, lot, expiry, serial in rows
    ]
