"""District plans typeset as offices print them, then scanned, photographed or faxed.

A plan of a real district (names from vietnamadminunits) with random figures: a two-column
header block, justified Times 13 pt prose, a ruled per-commune table whose header cells span
rows and columns (or the same table borderless: no rules, or one rule under the header), a red
round stamp over a blue signature. The HTML is printed to PDF by
Debian's Chromium through Playwright, rasterised at 200 dpi and degraded in three looks:
`scanner` (colour flatbed: slight skew, blur, JPEG), `phone` (a photo on a desk: perspective,
uneven light, blur, JPEG) and `fax` (binarised, speckled, a TIFF). The same plan as text (its
table as tab-separated rows) is the reference the scans are measured against. Used by
tests/test_scans.py and bench/bench_scans.py.
"""

from __future__ import annotations

import contextlib
import html
import io
import math
import random
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pymupdf
from PIL import Image, ImageFilter

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DPI = 200
LOOKS = ("scanner", "phone", "fax")


@dataclass
class CommuneRow:
    """One row of the per-commune table, figures as integers and rates as they are printed."""

    level: str  # "Xã", "Thị trấn", "Phường"
    name: str
    households: int
    poor_start: int
    reduce: int

    @property
    def label(self) -> str:
        return f"{self.level} {self.name}"

    @property
    def poor_end(self) -> int:
        return self.poor_start - self.reduce

    def rate(self, count: int) -> float:
        return round(100 * count / self.households, 2)


@dataclass
class DistrictPlan:
    """A district plan's facts and figures; rendered as HTML (for print) and as text."""

    province: str
    district: str
    district_level: str  # "huyện" | "thị xã"
    rows: list[CommuneRow]
    year: int
    number: int
    day: int
    month: int
    signer: str
    seed: int
    index_row: bool = False  # a "1 2 3 ..." row under the header, as some offices print
    prose: list[str] = field(default_factory=list)
    rules: str = "ruled"  # "ruled" | "borderless" (no rules) | "header" (a rule under the header)

    # --- facts the header states ---------------------------------------------------------
    @property
    def number_text(self) -> str:
        return f"{self.number}/KH-UBND"

    @property
    def unit_upper(self) -> str:
        return f"{self.district_level.upper()} {self.district.upper()}"

    def header_left(self) -> list[str]:
        return ["ỦY BAN NHÂN DÂN", self.unit_upper, f"Số: {self.number_text}"]

    def header_right(self) -> list[str]:
        return ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                f"{self.district}, ngày {self.day:02d} tháng {self.month:02d} năm {self.year}"]

    def title(self) -> list[str]:
        return ["KẾ HOẠCH", f"Thực hiện mục tiêu giảm nghèo bền vững năm {self.year} trên địa "
                            f"bàn {self.district_level} {self.district}"]

    # --- the table ---------------------------------------------------------------------------
    def total(self) -> CommuneRow:
        return CommuneRow("", "Tổng cộng", sum(r.households for r in self.rows),
                          sum(r.poor_start for r in self.rows), sum(r.reduce for r in self.rows))

    def header_grid(self) -> list[list[str]]:
        """The two header rows as a grid: a merged cell's text at its top-left, the rest empty."""
        y = self.year
        top = ["TT", "Xã, thị trấn", "Dân số (hộ)", f"Hộ nghèo đầu năm {y}", "",
               f"Chỉ tiêu giảm nghèo năm {y}", "", f"Hộ nghèo cuối năm {y}", ""]
        second = ["", "", "", "Số hộ", "Tỷ lệ (%)", "Số hộ", "Tỷ lệ (%)", "Số hộ", "Tỷ lệ (%)"]
        grid = [top, second]
        if self.index_row:
            grid.append([str(i) for i in range(1, 10)])
        return grid

    def body_grid(self) -> list[list[str]]:
        out = []
        for i, row in enumerate(self.rows, start=1):
            out.append([str(i), row.label, *_figures(row)])
        total = self.total()
        out.append(["", total.name, *_figures(total)])
        return out

    def grid(self) -> list[list[str]]:
        return self.header_grid() + self.body_grid()

    # --- expected table targets --------------------------------------------------------------
    def expected_targets(self) -> set[tuple]:
        """(locality key, indicator, comparator, value, baseline, unit) of every table target."""
        from pipeline.places import locality_key

        out: set[tuple] = set()
        for row in [*self.rows, self.total()]:
            key = locality_key(row.label) if row.level else locality_key(self.district)
            start_rate, red_rate = row.rate(row.poor_start), row.rate(row.reduce)
            end_rate = row.rate(row.poor_end)
            out |= {
                (key, "poor_households_reduction", "reduce_by", float(row.reduce), None, "hộ"),
                (key, "poverty_reduction", "reduce_by", red_rate, None, "%"),
                (key, "poor_households", "reduce_to", float(row.poor_end),
                 float(row.poor_start), "hộ"),
                (key, "poverty_rate", "reduce_to", end_rate, start_rate, "%"),
            }
        return out

    # --- the plan as text (the reference) ----------------------------------------------------
    def text(self) -> str:
        lines = [*self.header_left(), *self.header_right(), *self.title(), *self.prose[:3]]
        lines += ["\t".join(cells) for cells in self.grid()]
        lines += [*self.prose[3:], *self.signature()]
        return "\n".join(lines)

    def body_paragraphs(self) -> list[str]:
        return list(self.prose)

    def signature(self) -> list[str]:
        return ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", self.signer]

    # --- the plan as HTML (for print) --------------------------------------------------------
    def html(self) -> str:
        e = html.escape
        head = (f"<table class='head'><tr><td class='l'>{e(self.header_left()[0])}<br>"
                f"<b>{e(self.header_left()[1])}</b><div class='rule'></div>"
                f"{e(self.header_left()[2])}</td>"
                f"<td class='r'><b>{e(self.header_right()[0])}</b><br>"
                f"<b><u>{e(self.header_right()[1])}</u></b><br>"
                f"<i>{e(self.header_right()[2])}</i></td></tr></table>")
        title = f"<p class='t1'>{e(self.title()[0])}</p><p class='t2'>{e(self.title()[1])}</p>"
        prose = [f"<p class='body'>{e(p)}</p>" for p in self.prose]
        return _PAGE.format(head=head, title=title, before="".join(prose[:3]),
                            table=self._table_html(), after="".join(prose[3:]),
                            signature=self._signature_html())

    def _table_html(self) -> str:
        e = html.escape
        y = self.year
        spans = "rowspan='2'"
        head = (f"<tr><th {spans}>TT</th><th {spans}>Xã, thị trấn</th><th {spans}>Dân số (hộ)</th>"
                f"<th colspan='2'>Hộ nghèo đầu năm {y}</th>"
                f"<th colspan='2'>Chỉ tiêu giảm nghèo năm {y}</th>"
                f"<th colspan='2'>Hộ nghèo cuối năm {y}</th></tr>"
                "<tr>" + "<th>Số hộ</th><th>Tỷ lệ (%)</th>" * 3 + "</tr>")
        if self.index_row:
            head += "<tr class='idx'>" + "".join(f"<td>{i}</td>" for i in range(1, 10)) + "</tr>"
        body = []
        for cells in self.body_grid():
            total = cells[0] == ""
            tds = [f"<td class='c'>{e(cells[0])}</td>",
                   f"<td class='n'>{'<b>' if total else ''}{e(cells[1])}{'</b>' if total else ''}"
                   "</td>"]
            tds += [f"<td class='v'>{e(c)}</td>" for c in cells[2:]]
            body.append(f"<tr{' class=tot' if total else ''}>{''.join(tds)}</tr>")
        style = "" if self.rules == "ruled" else f" {self.rules}"
        return (f"<table class='grid{style}'><thead>{head}</thead>"
                f"<tbody>{''.join(body)}</tbody></table>")

    def _signature_html(self) -> str:
        rng = random.Random(self.seed)
        stamp = _stamp_svg(self.unit_upper, rng)
        scrawl = _signature_svg(rng)
        receivers = ("<p class='nr'><b><i>Nơi nhận:</i></b><br>- UBND tỉnh;<br>- Sở LĐ-TB&amp;XH;"
                     "<br>- TT. Huyện ủy, HĐND huyện;<br>- Các xã, thị trấn;<br>- Lưu: VT.</p>")
        sign = (f"<div class='sig'><b>{html.escape(self.signature()[0])}<br>"
                f"{html.escape(self.signature()[1])}</b>"
                f"<div class='ink'>{scrawl}{stamp}</div><b>{html.escape(self.signer)}</b></div>")
        return f"<table class='foot'><tr><td>{receivers}</td><td>{sign}</td></tr></table>"


def _figures(row: CommuneRow) -> list[str]:
    from pipeline.numbers import format_number

    def count(n: int) -> str:
        return format_number(float(n), 0)

    def rate(n: int) -> str:
        return f"{row.rate(n):.2f}".replace(".", ",")

    return [count(row.households), count(row.poor_start), rate(row.poor_start),
            count(row.reduce), rate(row.reduce), count(row.poor_end), rate(row.poor_end)]


_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm 15mm 20mm 30mm; }}
body {{ font-family: "Times New Roman", "Liberation Serif", serif; font-size: 13pt;
        line-height: 1.35; color: #111; margin: 0; }}
table.head {{ width: 100%; border-collapse: collapse; font-size: 12.5pt; }}
table.head td {{ vertical-align: top; text-align: center; padding: 0; }}
table.head td.l {{ width: 40%; }} table.head td.r {{ width: 60%; }}
.rule {{ width: 30%; margin: 1px auto 6px; border-top: 1px solid #111; }}
p.t1 {{ text-align: center; font-weight: bold; font-size: 14pt; margin: 18px 0 0; }}
p.t2 {{ text-align: center; font-weight: bold; margin: 0 40px 12px; }}
p.body {{ text-align: justify; text-indent: 1.2cm; margin: 0 0 6px; }}
table.grid {{ width: 100%; border-collapse: collapse; font-size: 11.5pt; margin: 8px 0 10px; }}
table.grid th, table.grid td {{ border: 1px solid #111; padding: 2px 4px; }}
table.grid th {{ font-weight: bold; text-align: center; vertical-align: middle; }}
table.grid td.c {{ text-align: center; }} table.grid td.v {{ text-align: right; }}
table.grid tr.idx td {{ text-align: center; font-style: italic; }}
table.grid tr {{ page-break-inside: avoid; }}
table.grid.borderless th, table.grid.borderless td, table.grid.header th,
table.grid.header td {{ border: none; padding: 2px 8px; }}
table.grid.header thead {{ border-bottom: 1px solid #111; }}
table.foot {{ width: 100%; margin-top: 14px; page-break-inside: avoid; }}
table.foot td {{ vertical-align: top; width: 50%; }}
p.nr {{ font-size: 11pt; line-height: 1.2; margin: 0; }}
.sig {{ text-align: center; }}
.ink {{ position: relative; height: 110px; }}
.ink svg {{ position: absolute; }}
.ink svg.scrawl {{ left: 32%; top: 22px; }}
.ink svg.stamp {{ left: 8%; top: -8px; mix-blend-mode: multiply; opacity: .9; }}
</style></head><body>{head}{title}{before}{table}{after}{signature}</body></html>"""


def _stamp_svg(unit: str, rng: random.Random) -> str:
    """A round red seal: two rings, the issuer's name around, a star in the middle."""
    r = 58
    text = f"ỦY BAN NHÂN DÂN {unit} ★"
    angle = rng.uniform(0, 360)
    star = " ".join(f"{r + 16 * math.cos(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else .42):.1f},"
                    f"{r + 16 * math.sin(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else .42):.1f}"
                    for k in range(10))
    return (f"<svg class='stamp' width='{2 * r + 4}' height='{2 * r + 4}' "
            "xmlns='http://www.w3.org/2000/svg'><g fill='none' stroke='#d3212d'>"
            f"<circle cx='{r}' cy='{r}' r='{r - 2}' stroke-width='3'/>"
            f"<circle cx='{r}' cy='{r}' r='{r - 22}' stroke-width='1.5'/></g>"
            f"<defs><path id='ring' d='M {r},{r} m -{r - 12},0 a {r - 12},{r - 12} 0 1,1 "
            f"{2 * (r - 12)},0 a {r - 12},{r - 12} 0 1,1 -{2 * (r - 12)},0'/></defs>"
            f"<g transform='rotate({angle:.0f} {r} {r})'><text font-size='10.5' fill='#d3212d' "
            "font-family='Liberation Sans' font-weight='bold'><textPath href='#ring'>"
            f"{html.escape(text)}</textPath></text></g>"
            f"<polygon points='{star}' fill='#d3212d'/></svg>")


def _signature_svg(rng: random.Random) -> str:
    """A blue pen scrawl."""
    x, y = 6.0, 40.0
    path = [f"M {x:.0f} {y:.0f}"]
    for _ in range(7):
        x += rng.uniform(10, 22)
        path.append(f"C {x - 8:.0f} {y - rng.uniform(20, 38):.0f}, {x - 2:.0f} "
                    f"{y + rng.uniform(10, 30):.0f}, {x:.0f} {y + rng.uniform(-8, 8):.0f}")
    path.append(f"M 4 {y + 12:.0f} Q {x / 2:.0f} {y + 28:.0f} {x + 12:.0f} {y - 4:.0f}")
    return (f"<svg class='scrawl' width='{x + 20:.0f}' height='90' "
            "xmlns='http://www.w3.org/2000/svg'><path d='" + " ".join(path)
            + "' fill='none' stroke='#1d3fa8' stroke-width='2.2' stroke-linecap='round'/></svg>")


# --- a random district plan --------------------------------------------------------------------
_PROSE_BEFORE = [
    "Căn cứ Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ phê duyệt Chương "
    "trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025; căn cứ Kế hoạch số "
    "{ref}/KH-UBND ngày {ref_day}/{ref_month}/{year} của Ủy ban nhân dân tỉnh {province} về thực "
    "hiện Chương trình năm {year}.",
    "Ủy ban nhân dân {level} {district} ban hành Kế hoạch thực hiện mục tiêu giảm nghèo bền vững "
    "năm {year}, với các nội dung sau:",
    "Phấn đấu giảm tỷ lệ hộ nghèo toàn {level} từ {start_rate}% xuống còn {end_rate}%, tương ứng "
    "giảm {reduce} hộ nghèo; giao chỉ tiêu giảm nghèo cho các xã, thị trấn như sau:",
]
_PROSE_AFTER = [
    "Các xã, thị trấn căn cứ chỉ tiêu được giao xây dựng kế hoạch giảm nghèo của địa phương, "
    "rà soát, lập danh sách hộ nghèo, hộ cận nghèo có khả năng thoát nghèo trong năm {year} để "
    "có giải pháp hỗ trợ phù hợp; hoàn thành trước ngày {due_day}/{due_month}/{year}.",
    "Phòng Lao động - Thương binh và Xã hội chủ trì, phối hợp với các cơ quan, đơn vị liên quan "
    "theo dõi, đôn đốc, tổng hợp kết quả thực hiện, báo cáo Ủy ban nhân dân {level} định kỳ hằng "
    "quý và đột xuất khi có yêu cầu.",
]


def gazetteer_districts() -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    """(province, district, district type, [(commune type, commune)]) of the legacy units:
    rural districts and towns with 6-18 communes (one table page or a little more)."""
    from pipeline.places import _dataset

    con = sqlite3.connect(f"file:{_dataset()}?mode=ro", uri=True)
    try:
        rows = con.execute("select provinceShort, districtShort, districtType, wardType, "
                           "wardShort from admin_units_legacy where districtType in "
                           "('Huyện', 'Thị xã') order by districtCode, wardCode").fetchall()
    finally:
        con.close()
    found: dict[tuple, list] = {}
    for province, district, dtype, wtype, ward in rows:
        if wtype in ("Xã", "Thị trấn", "Phường") and ward and not ward[:1].isdigit():
            found.setdefault((province, district, dtype), []).append((wtype, ward))
    return [(p, d, t, wards) for (p, d, t), wards in found.items() if 6 <= len(wards) <= 18]


def random_plan(seed: int, *, max_rows: int | None = None, rules: str = "ruled") -> DistrictPlan:
    """A plan of a real district drawn by `seed`, with random figures; its table ruled, or
    borderless (`rules`: "borderless", or "header": one rule under the header)."""
    rng = random.Random(seed)
    province, district, dtype, wards = rng.choice(gazetteer_districts())
    if max_rows:
        wards = wards[:max_rows]
    rows = []
    for wtype, ward in wards:
        households = rng.randint(700, 9000)
        poor = max(8, round(households * rng.uniform(0.01, 0.22)))
        rows.append(CommuneRow(wtype, ward, households, poor, max(1, round(poor * rng.uniform(.08, .3)))))
    year = rng.choice((2023, 2024, 2025))
    plan = DistrictPlan(province, district, dtype.lower(), rows, year, rng.randint(12, 480),
                        rng.randint(1, 28), rng.randint(1, 4), _signer(rng), seed,
                        index_row=rng.random() < 0.3, rules=rules)
    total = plan.total()
    words = dict(ref=rng.randint(10, 300), ref_day=rng.randint(1, 28), ref_month=rng.randint(1, 3),
                 year=year, province=province, level=plan.district_level, district=district,
                 start_rate=f"{total.rate(total.poor_start):.2f}".replace(".", ","),
                 end_rate=f"{total.rate(total.poor_end):.2f}".replace(".", ","),
                 reduce=total.reduce, due_day=rng.randint(1, 28), due_month=rng.randint(5, 11))
    plan.prose = [p.format(**words) for p in _PROSE_BEFORE + _PROSE_AFTER]
    return plan


def _signer(rng: random.Random) -> str:
    family = rng.choice(("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi", "Đỗ"))
    middle = rng.choice(("Văn", "Thị", "Minh", "Hữu", "Đức", "Thanh", "Quốc"))
    given = rng.choice(("Hùng", "Lan", "Tuấn", "Hương", "Dũng", "Bình", "Thảo", "Sơn", "Phúc"))
    return f"{family} {middle} {given}"


# --- print and rasterise -----------------------------------------------------------------------
@contextlib.contextmanager
def printer() -> Iterator:
    """A function html -> PDF bytes, backed by one headless Chromium for the whole block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def print_pdf(markup: str) -> bytes:
                page.set_content(markup, wait_until="load")
                return page.pdf(format="A4", print_background=True, prefer_css_page_size=True)

            yield print_pdf
        finally:
            browser.close()


def rasterise(pdf: bytes, dpi: int = DPI) -> list[Image.Image]:
    """Colour page images of a printed PDF."""
    out = []
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        for page in document:
            pixmap = page.get_pixmap(dpi=dpi)
            image = Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples)
            image.info["dpi"] = (dpi, dpi)
            out.append(image)
    return out


def page_texts(pdf: bytes) -> list[str]:
    """The printed PDF's own text layer per page (what a perfect reader would see)."""
    with pymupdf.open(stream=pdf, filetype="pdf") as document:
        return [page.get_text("text") for page in document]


# --- the three looks ---------------------------------------------------------------------------
def degrade(image: Image.Image, look: str, seed: int) -> Image.Image:
    """The page as a `scanner`, `phone` or `fax` would hand it over."""
    rng = np.random.default_rng(seed)
    out = {"scanner": _scanner, "phone": _phone, "fax": _fax}[look](image.convert("RGB"), rng)
    out.info["dpi"] = image.info.get("dpi", (DPI, DPI))
    return out


def _noise(pixels: np.ndarray, sigma: float, rng) -> np.ndarray:
    return np.clip(pixels + rng.normal(0, sigma, pixels.shape), 0, 255)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    out = Image.open(io.BytesIO(buffer.getvalue()))
    out.load()
    return out


def _scanner(image: Image.Image, rng) -> Image.Image:
    paper = np.array([248, 246, 238], dtype=np.float32) / 255
    pixels = np.asarray(image, dtype=np.float32) * paper
    out = Image.fromarray(_noise(pixels, 3.5, rng).astype(np.uint8), "RGB")
    out = out.rotate(float(rng.uniform(-1.0, 1.0)), resample=Image.Resampling.BICUBIC,
                     fillcolor=(246, 244, 236))
    return _jpeg(out.filter(ImageFilter.GaussianBlur(0.6)), 80)


def _phone(image: Image.Image, rng) -> Image.Image:
    """Perspective on a desk, light falling off across the page, a little blur."""
    import cv2

    w, h = image.size
    canvas_w, canvas_h = round(w * 1.16), round(h * 1.12)
    ox, oy = (canvas_w - w) / 2, (canvas_h - h) / 2
    jitter = lambda: rng.uniform(-0.035, 0.035)  # noqa: E731
    corners = np.float32([[ox + w * jitter(), oy + h * jitter()],
                          [ox + w * (1 + jitter()), oy + h * jitter()],
                          [ox + w * (1 + jitter()), oy + h * (1 + jitter())],
                          [ox + w * jitter(), oy + h * (1 + jitter())]])
    source = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(source, corners)
    desk = np.full((canvas_h, canvas_w, 3), (92, 78, 64), np.float32)
    desk = _noise(desk, 9, rng)
    page = cv2.warpPerspective(np.asarray(image), matrix, (canvas_w, canvas_h),
                               flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (canvas_w, canvas_h))
    pixels = np.where(mask[..., None] > 127, page.astype(np.float32), desk)
    # light: a slope across the sheet and a darker corner, warm
    yy, xx = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    angle = rng.uniform(0, 2 * math.pi)
    slope = (xx * math.cos(angle) + yy * math.sin(angle)) / max(canvas_w, canvas_h)
    slope = (slope - slope.min()) / (slope.max() - slope.min())
    cx, cy = rng.uniform(0, canvas_w), rng.uniform(0, canvas_h)
    spot = np.exp(-(((xx - cx) / canvas_w) ** 2 + ((yy - cy) / canvas_h) ** 2) * 2.5)
    light = 0.62 + 0.28 * slope + 0.12 * spot
    pixels = pixels * np.clip(light, 0.5, 1.02)[..., None] * np.float32([1.0, 0.97, 0.9])
    out = Image.fromarray(_noise(pixels, 5, rng).astype(np.uint8), "RGB")
    out = out.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.9, 1.3))))
    return _jpeg(out, 72)


def _fax(image: Image.Image, rng) -> Image.Image:
    gray = image.convert("L").rotate(float(rng.uniform(-0.8, 0.8)),
                                     resample=Image.Resampling.BILINEAR, fillcolor=255)
    pixels = np.asarray(gray.filter(ImageFilter.GaussianBlur(0.5)), dtype=np.float32)
    pixels = _noise(pixels, 12, rng)
    ink = pixels < 150
    speckle = rng.random(ink.shape) < 0.0015
    ink ^= speckle
    rows = rng.choice(ink.shape[0], size=6, replace=False)  # lines the fax dropped
    ink[rows] = False
    return Image.fromarray(np.where(ink, 0, 255).astype(np.uint8), "L").convert("1")


def write_look(images: list[Image.Image], look: str, folder: Path, stem: str) -> Path:
    """The degraded pages as the file each look arrives in: an image PDF (scanner; phone: the
    photos, JPEG, as a phone's "scan to PDF" keeps them; a one-page plan as a .jpg) or a TIFF
    (fax, CCITT group 4)."""
    from tests.scans import write_image_pdf

    folder.mkdir(parents=True, exist_ok=True)
    if look == "fax":
        path = folder / f"{stem}.tif"
        images[0].save(path, format="TIFF", save_all=True, append_images=images[1:],
                       compression="group4", dpi=(DPI, DPI))
        return path
    if look == "phone" and len(images) == 1:
        path = folder / f"{stem}.jpg"
        images[0].save(path, format="JPEG", quality=90, dpi=(DPI, DPI))
        return path
    return write_image_pdf(images, folder / f"{stem}.pdf", jpeg_quality=88)


def look_bytes(image: Image.Image) -> bytes:
    """A degraded page as the bytes ingest hands to OCR (PNG, resolution kept)."""
    from tests.scans import encode

    return encode(image.convert("L") if image.mode == "1" else image, "PNG")



# --- measuring what came out -------------------------------------------------------------------
def table_targets(pages: list, targets: list) -> set[tuple]:
    """(locality key, indicator, comparator, value, baseline, unit) of the targets grounded in
    a table of the pages (the plan's prose states some of the same figures)."""
    from pipeline.pages import table_runs
    from pipeline.places import locality_key

    runs = {page.number: [(run[0].start, run[-1].end) for run in table_runs(page)]
            for page in pages}
    out = set()
    for t in targets:
        g = t.grounding
        if any(a <= g.char_start < b for a, b in runs.get(g.page, [])):
            out.add((locality_key(t.locality), t.indicator, t.comparator, t.value, t.baseline,
                     t.unit))
    return out


def commune_names(targets: list) -> set[str]:
    """The commune names (level word dropped, as written) the table targets name."""
    from pipeline.places import split_level

    return {split_level(t.locality)[1] for t in targets if t.locality}


def header_facts(plan: DistrictPlan, facts) -> dict[str, bool]:
    """Which of the header's facts came out right: level, locality, number, date."""
    from datetime import date

    return {"level": facts.admin_level == plan.district_level,
            "locality": facts.locality == plan.district,
            "number": facts.number == plan.number_text,
            "date": facts.issue_date == date(plan.year, plan.month, plan.day)}


def table_cells_text(pages: list) -> str:
    """Every rebuilt table's rows as text, the header rows a table repeats on a later page
    left out: what cell CER is measured on."""
    from pipeline.numbers import parse_value

    rows: list[str] = []
    for page in pages:
        for table in page.tables:
            if table.status != "rebuilt":
                continue
            lines = page.text[table.char_start:table.char_end].split("\n")
            if rows:  # a continuation: drop its repeated header rows
                while lines and sum(parse_value(c) is not None for c in lines[0].split("\t")) < 3:
                    lines.pop(0)
            rows += lines
    return "\n".join(rows)


def body_cer(paragraphs: list[str], text: str) -> tuple[int, int]:
    """(edit distance, length) of the plan's prose paragraphs against where each is found in
    the read text (best-matching window)."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    flat = " ".join(text.split())
    errors = total = 0
    for paragraph in paragraphs:
        reference = " ".join(paragraph.split())
        found = fuzz.partial_ratio_alignment(reference, flat)
        window = flat[found.dest_start:found.dest_end] if found else ""
        errors += Levenshtein.distance(reference, window)
        total += len(reference)
    return errors, total
