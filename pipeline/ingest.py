"""Ingest: a file's bytes -> its pages, one at a time, each with usable text or an image to OCR.

Validates the file up front (typed errors from `pipeline.errors`), then streams pages so that a
200-page PDF never sits in memory whole. Decides per PDF page between the text layer and OCR,
and decodes plain text in any of the encodings Vietnamese offices have used.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import errors
from pipeline import limits as limits_module
from pipeline.legacy_encodings import fix_legacy, syllable_share
from pipeline.limits import Limits
from pipeline.records import PageTable
from pipeline.structure import write_table
from pipeline.text import normalise
from pipeline.text_tables import docx_table, pdf_page_text

PAGE_BREAK = "\f"
RENDER_DPI = 300  # resolution for rendering a scanned PDF page when its image is not usable
MIN_EMBEDDED_DPI = 150  # an embedded page image below this is rendered at RENDER_DPI instead
MIN_IMAGE_COVERAGE = 0.85  # share of the page an embedded image must cover to stand for it
MIN_TEXT_LETTERS = 30  # fewer letters than this on a page with images means a scan


@dataclass
class PageInput:
    """One page as ingest hands it on: text when the file has it, else an image to OCR."""

    number: int  # 1-based
    text: str | None  # usable text (text layer, plain text, docx), NFC; None when OCR is needed
    image: bytes | None  # encoded image (PNG/JPEG) to OCR when text is None
    source: str  # "text-layer" | "ocr" | "plain" | "docx"
    tables: list[PageTable] = field(default_factory=list)  # tables laid out in `text`


# --- type sniffing -------------------------------------------------------------------------------
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"BM", b"GIF8")


def sniff_type(path: Path) -> str:
    """Name the kind of file ("pdf" | "image" | "text" | "docx") from its bytes, not its name."""
    path = Path(path)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if not head:
        raise errors.EmptyFile(path.name)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_IMAGE_MAGIC) or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return "image"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile as exc:
            raise errors.CorruptFile(f"{path.name}: {exc}") from exc
        raise errors.UnsupportedType(f"{path.name}: zip archive")
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or _utf16_order(head):
        return "text"
    if head.lstrip().startswith(b"{\\rtf"):
        raise errors.UnsupportedType(f"{path.name}: RTF")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if controls <= len(head) * 0.01:
        return "text"
    raise errors.UnsupportedType(f"{path.name}: binary data")


def _utf16_order(data: bytes) -> str | None:
    """Guess UTF-16 without BOM from where its zero bytes fall ("le", "be" or None)."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_zeros = sum(1 for i in range(0, pairs * 2, 2) if sample[i] == 0)
    odd_zeros = sum(1 for i in range(1, pairs * 2, 2) if sample[i] == 0)
    if odd_zeros > pairs * 0.2 and even_zeros < pairs * 0.05:
        return "le"
    if even_zeros > pairs * 0.2 and odd_zeros < pairs * 0.05:
        return "be"
    return None


# --- text decoding -------------------------------------------------------------------------------
def decode_text(data: bytes) -> str:
    """Decode a plain-text file to NFC Unicode: UTF-8/16 (BOM or not), cp1258, TCVN3, VNI."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            text = data[len(bom):].decode(codec, errors="replace")
            return _normalise(text)
    order = _utf16_order(data)
    if order:
        try:
            return _normalise(data.decode(f"utf-16-{order}"))
        except UnicodeDecodeError:
            pass
    try:
        return _normalise(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    utf8_lines = [_utf8_or_none(line) for line in lines]
    if not any(text is not None and not text.isascii() for text in utf8_lines):
        return _normalise(_decode_legacy(data))
    # Some lines are UTF-8, others 8-bit (a file pasted together from two sources): each line
    # in its own encoding, the 8-bit lines read together so that their code page is judged on
    # all of them.
    others = [i for i, text in enumerate(utf8_lines) if text is None]
    legacy = _decode_legacy(b"\n".join(lines[i] for i in others)).split("\n")
    for index, text in zip(others, legacy, strict=True):
        utf8_lines[index] = text
    return _normalise("\n".join(utf8_lines))


def _utf8_or_none(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_legacy(data: bytes) -> str:
    """8-bit text: Windows-1258 (tone marks as combining characters) or a legacy font encoding
    read through Windows-1252, whichever reading gives the more Vietnamese syllables; NFC, legacy
    fonts converted, as many lines as `data`."""
    as_1258, _ = fix_legacy(_decode_8bit(data, "cp1258"))
    as_1252, legacy = fix_legacy(_decode_8bit(data, "cp1252"))
    # a tie goes to the legacy font encoding: it is defined over the cp1252 reading
    return max((_viet_score(as_1258), False, as_1258), (_viet_score(as_1252), bool(legacy),
                                                        as_1252))[2]


def _decode_8bit(data: bytes, codec: str) -> str:
    # bytes the code page leaves undefined are read as Latin-1 rather than lost
    return data.decode(codec, errors="latin1_fallback")


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    bad = error.object[error.start:error.end]
    return bad.decode("latin-1"), error.end


codecs.register_error("latin1_fallback", _latin1_fallback)


def _viet_score(text: str) -> float:
    """How Vietnamese a decoding looks: syllable share, rewarded for real Vietnamese letters."""
    share = syllable_share(text) or 0.0
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return share
    special = sum(1 for c in letters if ord(c) > 0xFF)
    return share + min(special / len(letters), 0.2)


def _normalise(text: str) -> str:
    """Legacy font encodings converted first (TCVN3 writes ư as a soft hyphen, é as an eth),
    then what every page gets: NFC, line ends unified, look-alike letters read (text.normalise)."""
    fixed, _ = fix_legacy(unicodedata.normalize("NFC", text))
    return normalise(fixed)


# --- text-layer quality --------------------------------------------------------------------------
_BAD_CHARS = re.compile("[\ufffd\ue000-\uf8ff]")
_WORDS = re.compile(r"[^\W\d_]+")


def text_layer_problem(text: str, *, has_images: bool) -> str | None:
    """Why a PDF page's text layer cannot be used (None when it can); the page is then OCR'd."""
    letters = sum(1 for c in text if c.isalpha())
    if letters < MIN_TEXT_LETTERS:
        return "no text" if has_images else None
    if text.count("(cid:") >= 3:
        return "unmapped glyphs (cid)"
    visible = [c for c in text if not c.isspace()]
    if len(_BAD_CHARS.findall(text)) > 0.02 * len(visible):
        return "replacement characters"
    alphanumeric = sum(1 for c in visible if c.isalnum())
    if alphanumeric < 0.5 * len(visible):  # a table of figures is fine; symbol soup is not
        return "too few letters"
    share = syllable_share(text)
    if share is not None and share < 0.5 and len(_WORDS.findall(text)) >= 10:
        return "few Vietnamese syllables"
    return None


# --- sources -------------------------------------------------------------------------------------
class DocumentSource:
    """A validated document whose pages can be read one at a time."""

    kind: str = ""
    page_count: int = 0

    def __init__(self, path: Path):
        self.path = path

    def pages(self) -> Iterator[PageInput]:
        raise NotImplementedError

    def page(self, number: int) -> PageInput:
        """One page (1-based), for a worker that reads only its share of a file's pages."""
        if not 1 <= number <= self.page_count:
            raise errors.NoPages(f"{self.path.name}: page {number} of {self.page_count}")
        return next(p for p in self.pages() if p.number == number)


class TextSource(DocumentSource):
    kind = "text"

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path)
        limits_module.check_text_bytes(path.name, path.stat().st_size, limits)
        text = decode_text(path.read_bytes())
        if not text.strip():
            raise errors.EmptyFile(path.name)
        self._pages = text.split(PAGE_BREAK) if PAGE_BREAK in text else [text]
        self.page_count = len(self._pages)
        limits_module.check_page_count(path.name, self.page_count, limits)
        limits_module.check_text(path.name, self._pages, limits)

    def pages(self) -> Iterator[PageInput]:
        for number, text in enumerate(self._pages, start=1):
            yield PageInput(number, text, None, "plain")


class DocxSource(DocumentSource):
    kind = "docx"

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path)
        import docx  # python-docx, imported here: only .docx files need it

        limits_module.check_zip(path, limits)  # before python-docx inflates anything
        try:
            document = docx.Document(str(path))
        except Exception as exc:  # python-docx raises many kinds on a broken package
            raise errors.CorruptFile(f"{path.name}: {exc}") from exc
        self._pages, self._tables = _docx_pages(document)
        if not any(page.strip() for page in self._pages):
            raise errors.EmptyFile(path.name)
        self.page_count = len(self._pages)
        limits_module.check_page_count(path.name, self.page_count, limits)
        limits_module.check_text(path.name, self._pages, limits)

    def pages(self) -> Iterator[PageInput]:
        for number, text in enumerate(self._pages, start=1):
            yield PageInput(number, text, None, "docx", self._tables.get(number, []))


def _docx_pages(document) -> tuple[list[str], dict[int, list[PageTable]]]:
    """Paragraphs and tables (rows of cells joined by tabs, merged cells kept in their grid) in
    order, split at explicit page breaks; and the tables of each page."""
    from docx.oxml.ns import qn

    pages: list[list[str]] = [[]]
    tables: dict[int, list[PageTable]] = {}
    w_p, w_tbl, w_t, w_tab, w_br, w_cr = (qn("w:p"), qn("w:tbl"), qn("w:t"), qn("w:tab"),
                                         qn("w:br"), qn("w:cr"))
    w_type, w_page_before = qn("w:type"), qn("w:pageBreakBefore")

    def paragraph_lines(element) -> list[tuple[str, bool]]:
        """(text, page break after) pieces of one paragraph."""
        pieces: list[tuple[str, bool]] = []
        current: list[str] = []
        for node in element.iter(w_t, w_tab, w_br, w_cr):
            if node.tag == w_t:
                current.append(node.text or "")
            elif node.tag == w_tab:
                current.append("\t")
            elif node.tag == w_br and node.get(w_type) == "page":
                pieces.append(("".join(current), True))
                current = []
            else:
                current.append("\n")
        pieces.append(("".join(current), False))
        return pieces

    def paragraph_text(element) -> str:
        return " ".join("".join(t for t, _ in paragraph_lines(element)).split())

    for child in document.element.body.iterchildren():
        if child.tag == w_p:
            if child.find(f".//{w_page_before}") is not None and pages[-1]:
                pages.append([])
            for text, page_break in paragraph_lines(child):
                pages[-1].append(text)
                if page_break:
                    pages.append([])
        elif child.tag == w_tbl:
            grid = docx_table(child, paragraph_text)
            rows = 1 + max((c.row + c.rowspan - 1 for c in grid), default=-1)
            columns = max((c.col + c.colspan for c in grid), default=0)
            body, cells = write_table(grid, rows, columns)
            if body:
                tables.setdefault(len(pages), []).append(PageTable(None, cells, "rebuilt"))
                pages[-1].append(body)
    texts = [unicodedata.normalize("NFC", "\n".join(lines)) for lines in pages]
    while len(texts) > 1 and not texts[-1].strip():
        texts.pop()
    return texts, tables


class ImageSource(DocumentSource):
    kind = "image"

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path)
        self.limits = limits
        try:
            with limits_module.open_image(path, path.name, limits) as image:
                self.page_count = getattr(image, "n_frames", 1)
                limits_module.check_page_count(path.name, self.page_count, limits)
                self._format = image.format
                image.load()  # a truncated or broken image fails here, up front
        except (OSError, SyntaxError, ValueError) as exc:
            raise errors.CorruptFile(f"{path.name}: {exc}") from exc

    def pages(self) -> Iterator[PageInput]:
        if self.page_count == 1 and self._format in ("PNG", "JPEG"):
            data = self.path.read_bytes()
            with limits_module.open_image(io.BytesIO(data), self.path.name, self.limits) as image:
                if _image_is_plain(image):
                    yield PageInput(1, None, data, "ocr")
                    return
        with limits_module.open_image(self.path, self.path.name, self.limits) as image:
            for index in range(self.page_count):
                where = f"{self.path.name}, frame {index + 1}"
                try:
                    image.seek(index)
                    limits_module.check_pixels(where, image.width, image.height, self.limits)
                    frame = _prepared_frame(image)
                except (OSError, EOFError, ValueError) as exc:
                    raise errors.CorruptFile(f"{where}: {exc}") from exc
                yield PageInput(index + 1, None, _png_bytes(frame, image.info.get("dpi")), "ocr")
                del frame


def _image_is_plain(image) -> bool:
    """True when Tesseract can read the file as it is (no alpha, odd mode or EXIF rotation)."""
    orientation = image.getexif().get(0x0112, 1)
    return image.mode in ("1", "L", "RGB") and orientation in (None, 1)


def _prepared_frame(image):
    """A frame as an upright grayscale/RGB image, transparency flattened onto white."""
    from PIL import Image, ImageOps

    frame = ImageOps.exif_transpose(image.copy()) if image.getexif().get(0x0112, 1) != 1 \
        else image.copy()
    if frame.mode in ("1", "L", "RGB"):
        return frame
    if frame.mode in ("RGBA", "LA", "P", "PA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if frame.mode.startswith("I"):
        return frame.point(lambda v: v / 256).convert("L")
    return frame.convert("RGB")


def _png_bytes(image, dpi) -> bytes:
    buffer = io.BytesIO()
    options = {"compress_level": 1}
    if dpi:
        options["dpi"] = tuple(round(float(d)) for d in dpi)
    image.save(buffer, format="PNG", **options)
    return buffer.getvalue()


class PdfSource(DocumentSource):
    kind = "pdf"

    def __init__(self, path: Path, limits: Limits):
        super().__init__(path)
        import pymupdf

        self.limits = limits

        with path.open("rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - 2048))
            tail = handle.read()
        try:
            document = pymupdf.open(path, filetype="pdf")
        except Exception as exc:  # pymupdf.FileDataError and kin
            raise errors.CorruptFile(f"{path.name}: {exc}") from exc
        try:
            if document.needs_pass:
                raise errors.EncryptedPdf(path.name)
            if b"%%EOF" not in tail and document.is_repaired:
                raise errors.CorruptFile(f"{path.name}: truncated (no end-of-file marker)")
            if document.page_count == 0:
                if document.is_repaired:
                    raise errors.CorruptFile(f"{path.name}: no readable page")
                raise errors.NoPages(path.name)
            limits_module.check_page_count(path.name, document.page_count, limits)
            self.page_count = document.page_count
        finally:
            document.close()

    def pages(self) -> Iterator[PageInput]:
        yield from self._read(range(1, self.page_count + 1))

    def page(self, number: int) -> PageInput:
        if not 1 <= number <= self.page_count:
            raise errors.NoPages(f"{self.path.name}: page {number} of {self.page_count}")
        return next(self._read([number]))

    def _read(self, numbers) -> Iterator[PageInput]:
        import pymupdf

        document = pymupdf.open(self.path, filetype="pdf")
        try:
            for number in numbers:
                try:
                    page = document.load_page(number - 1)
                    page_input = _pdf_page(document, page, number, self.limits,
                                           f"{self.path.name}, page {number}")
                except errors.PlanError:
                    raise
                except Exception as exc:
                    raise errors.CorruptFile(f"{self.path.name}, page {number}: {exc}") \
                        from exc
                del page
                pymupdf.TOOLS.store_shrink(100)  # MuPDF caches decoded images: drop them
                yield page_input
        finally:
            document.close()


def _pdf_page(document, page, number: int, limits: Limits, where: str) -> PageInput:
    """Text layer when usable (its ruled tables as tab-separated rows), else the page image
    (embedded if good enough, else rendered).

    An image over the pixel limit is never decoded: the page is then read from its text layer
    or refused (PageTooLarge).
    """
    text = page.get_text("text")
    sizes = [(w, h) for _, _, w, h, *_ in page.get_images(full=True)]  # nothing decoded
    oversized = sum(w * h for w, h in sizes) > limits.page_pixels
    images = [] if oversized else _placed_images(page)
    fixed, _ = fix_legacy(unicodedata.normalize("NFC", text))
    if text_layer_problem(fixed, has_images=bool(images or oversized)) is None:
        with_tables, tables = pdf_page_text(page)
        if tables:  # (pages.make_page finds each cell's span again in the final text)
            fixed, _ = fix_legacy(unicodedata.normalize("NFC", with_tables))
        return PageInput(number, fixed.strip("\n") if fixed.strip() else fixed, None,
                         "text-layer", tables)
    if oversized:  # rendering would decode every image of the page
        limits_module.check_image_pixels(where, sizes, limits)
    return PageInput(number, None, _pdf_page_image(document, page, images, limits, where), "ocr")


def _placed_images(page) -> list[dict]:
    """Where each image sits on the page, with its xref, decoding no image when it can.

    get_image_info(xrefs=True) decodes and hashes every image to match it to its xref (~60 ms
    per scanned page); a page with one image, the usual scan, needs no matching.
    """
    infos = page.get_image_info()
    xrefs = [item[0] for item in page.get_images(full=True)]
    if len(infos) == 1 and len(xrefs) == 1:
        infos[0]["xref"] = xrefs[0]
        return infos
    return page.get_image_info(xrefs=True) if infos else infos


_READABLE_EXTENSIONS = {"png", "jpeg", "jpg", "tif", "tiff", "pnm", "pbm", "pgm", "ppm"}


def _pdf_page_image(document, page, images: list[dict], limits: Limits, where: str) -> bytes:
    """The page's one scanned image when it covers the page upright at a usable resolution."""
    import pymupdf

    page_rect = page.rect
    for info in images:
        if info.get("xref", 0) <= 0 or info.get("has-mask") or page.rotation % 360:
            continue
        bbox = pymupdf.Rect(info["bbox"]) & page_rect
        if bbox.is_empty or bbox.get_area() < MIN_IMAGE_COVERAGE * page_rect.get_area():
            continue
        a, b, c, d, _, _ = info["transform"]
        if abs(b) > 1e-3 or abs(c) > 1e-3 or a <= 0 or d <= 0:  # rotated or mirrored
            continue
        dpi = min(info["width"] / (bbox.width / 72), info["height"] / (bbox.height / 72))
        if dpi < MIN_EMBEDDED_DPI:
            continue
        extracted = document.extract_image(info["xref"])
        if not extracted or extracted.get("smask"):
            continue
        if extracted["ext"] in _READABLE_EXTENSIONS and extracted.get("colorspace", 1) in (1, 3):
            return extracted["image"]
        pixmap = pymupdf.Pixmap(document, info["xref"])
        if pixmap.colorspace is None or pixmap.colorspace.n not in (1, 3) or pixmap.alpha:
            pixmap = pymupdf.Pixmap(pymupdf.csRGB, pixmap)
        pixmap.set_dpi(round(dpi), round(dpi))
        return pixmap.tobytes("png")
    dpi = limits_module.render_dpi(page_rect.width / 72, page_rect.height / 72, RENDER_DPI,
                                   where, limits)
    pixmap = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
    return pixmap.tobytes("png")


# --- entry point ---------------------------------------------------------------------------------
def open_document(path: Path, *, limits: Limits | None = None) -> DocumentSource:
    """Validate a file and return its page source; raises the typed errors of pipeline.errors.

    `limits`: those of pipeline/limits.py (default: as the environment sets them).
    """
    path = Path(path)
    limits = limits or limits_module.current()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise errors.FileVanished(path.name) from exc
    if size == 0:
        raise errors.EmptyFile(path.name)
    limits_module.check_file_size(path.name, size, limits)
    kind = sniff_type(path)
    if kind == "pdf":
        return PdfSource(path, limits)
    if kind == "image":
        source: DocumentSource = ImageSource(path, limits)
    elif kind == "docx":
        source = DocxSource(path, limits)
    else:
        source = TextSource(path, limits)
    if source.page_count == 0:
        raise errors.NoPages(path.name)
    return source
