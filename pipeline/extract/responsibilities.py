"""Who does what: one ResponsibilityRecord per task bullet of a plan, with agency, role, projects.

Plans assign tasks in two ways: an agency heading ("1. Phòng Lao động - Thương binh và Xã hội:",
"- Công chức Văn hóa - Xã hội:", "2.3. Công chức Văn hóa thông tin") followed by task bullets or
paragraphs, or an inline sentence ("Giao Phòng Y tế chủ trì, phối hợp với ...", "Đề nghị Hội
Nông dân ... xây dựng kế hoạch ..."). A small line walker of our own finds headings, bullets and
hard-wrapped paragraphs; every rule reads a folded (lower-case, accent-free, same-length) copy of
the text so accent-stripped or restored OCR text still matches, and spans point into page.text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pipeline.extract.agencies import AGENCY_HEAD, agency_code, fold
from pipeline.records import Grounding, Page, ResponsibilityRecord
from pipeline.spans import to_raw_span

# --- the line walker ---------------------------------------------------------------------------

_ROMAN = re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|XI{0,3}|Il|lI|ll)\s*[.)/:]?\s+(?=\S)")
_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+\.?|\d{1,2}[.)])\s+(?=\D)")
_LETTER = re.compile(r"^([a-zđ])[.)]\s+(?=\S)")
_BULLET = re.compile(r"^(?:-\s*\+|[-–—•+]|\*(?!\*))\s*(?=\S)")
_DECOR = re.compile(r"^[#\s]*(?:\*\*)?\s*")
_TERMINAL = (".", ";", ":", "!", "?", "/.", ")")

# Section titles (folded, at the start of a heading) whose content is not tasks: objectives,
# target indicators ("Chỉ tiêu cụ thể", "Chỉ tiêu giao cho các xã", but not "Chỉ tiêu và nhiệm
# vụ"), scope, budget, situation. Records found there would be targets or background, not duties.
_SKIP_SECTIONS = re.compile(
    r"^\W*(muc tieu|chi tieu(?![\s,;:-]+(?:va\s+)?(?:nhiem vu|giai phap))|muc dich|doi tuong|"
    r"pham vi|kinh phi|nguon von|von va nguon von|tinh hinh|"
    r"thoi gian|ket qua thuc hien|danh gia ket qua|thuc trang|can cu)"
)
_APPENDIX = re.compile(r"^\W*(phu luc|bieu mau|bieu so|bang phan cong|danh muc nhiem vu)\b")
_END_OF_BODY = re.compile(r"^\W*(noi nh\w{1,2}n|tm\.|kt\.|t/m)\b")


@dataclass
class Paragraph:
    """A heading, bullet or wrapped text paragraph of one page, with its span in page.text."""

    page_index: int
    start: int  # span of the whole paragraph in page.text
    end: int
    body_start: int  # after the numbering or bullet marker
    kind: str  # heading | bullet | text
    level: int  # 1 roman / upper-case title, 2 "1.", 3 "1.1.", 4 "1.1.1.", 6 "a)", 7 "-", 8 "+"
    starts_document: bool = False  # a numbered heading that marks the end of the preamble
    continuation: bool = False  # rest of a paragraph broken by a page or column gap
    excluded: bool = False  # inside an objectives / scope / budget section or after "Nơi nhận"


@dataclass
class WalkedParagraph:
    """A paragraph with the agency that owns it (enclosing block or inline) and its record."""

    paragraph: Paragraph
    owner: str | None = None
    record: ResponsibilityRecord | None = None
    support: ResponsibilityRecord | None = None  # the "phối hợp" column of an assignment table
    time_cell: tuple[int, int] | None = None  # the "thời gian" cell of an assignment table row


@dataclass
class _Block:
    agency: str
    level: int
    kind: str
    default_role: str
    has_items: bool = False
    records: list = field(default_factory=list)


def _is_upper_title(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    if len(letters) < 4 or "\t" in line or any(c.isdigit() for c in line):
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper / len(letters) >= 0.85 and len(line.split()) <= 14


def _is_table_line(line: str) -> bool:
    stripped = line.strip()
    return line.count("\t") >= 2 or (stripped.startswith("|") and stripped.count("|") >= 3)


def _classify(line: str) -> tuple[str, int, int, bool] | None:
    """(kind, level, marker length, starts_document) of a line that opens a paragraph, or None."""
    if _is_table_line(line):
        return "table", 10, 0, False
    decor = _DECOR.match(line)
    offset = decor.end() if decor else 0
    rest = line[offset:]
    m = _ROMAN.match(rest)
    if m and _is_upper_title(rest[m.end():]) is not False and rest[m.end():m.end() + 1].isupper():
        return "heading", 1, offset + m.end(), True
    m = _NUMBER.match(rest)
    if m:
        depth = m.group(1).rstrip(".)").count(".")
        return "heading", 2 + depth, offset + m.end(), depth == 0
    m = _LETTER.match(rest)
    if m:
        return "heading", 6, offset + m.end(), False
    m = _BULLET.match(rest)
    if m:
        level = 8 if "+" in m.group(0) else 7
        return "bullet", level, offset + m.end(), False
    stripped = rest.strip(" .*:")
    if _is_upper_title(stripped):
        return "heading", 1, offset + (len(rest) - len(rest.lstrip(" .*"))), False
    return None


def _paragraphs(page_index: int, text: str) -> list[Paragraph]:
    """Split one page into paragraphs: a marker or a blank line starts one; wrapped lines join."""
    paragraphs: list[Paragraph] = []
    current: Paragraph | None = None
    previous_blank = True
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        content = line.rstrip("\r\n")
        if not content.strip():
            previous_blank = True
            continue
        lead = len(content) - len(content.lstrip())
        first_char_pos = line_start + lead
        line_end = line_start + len(content.rstrip())
        opened = _classify(content.lstrip())
        if opened is None and current is not None and not previous_blank:
            current.end = line_end
        elif opened is None and current is not None and _continues(text, current, content):
            current.end = line_end  # a paragraph cut by a page or column gap
        else:
            kind, level, marker, starts = opened or ("text", 9, 0, False)
            current = Paragraph(page_index, first_char_pos, line_end, first_char_pos + marker,
                                kind, level, starts)
            if opened is None and not paragraphs and content.lstrip()[:1].islower():
                current.continuation = True
            paragraphs.append(current)
        previous_blank = False
    return paragraphs


def _continues(text: str, current: Paragraph, content: str) -> bool:
    first = content.lstrip()[:1]
    return first.islower() and not text[current.start:current.end].rstrip("* ").endswith(_TERMINAL)


@lru_cache(maxsize=32)
def _folded(text: str) -> str:
    return fold(text)


def _clean_heading(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" *#:.;-\u2013")


def document_paragraphs(pages: list[Page]) -> list[Paragraph]:
    """All paragraphs of the document in order, each marked excluded when no task can be there."""
    result: list[Paragraph] = []
    stack: list[tuple[int, bool]] = []  # (heading level, excluded)
    started = False
    ended = False
    for index, page in enumerate(pages):
        for para in _paragraphs(index, page.text):
            body = fold(page.text[para.body_start:para.end])
            if _END_OF_BODY.match(body):
                ended = True
            elif ended and _APPENDIX.match(body) and len(body.split()) <= 40:
                ended, stack = False, []  # an appendix after the signature: tasks again
            if para.kind == "heading":
                while stack and stack[-1][0] >= para.level:
                    stack.pop()
                stack.append((para.level, bool(_SKIP_SECTIONS.match(body))))
                started = started or para.starts_document
            para.excluded = ended or not started or any(skip for _, skip in stack)
            result.append(para)
    return result


# --- agencies in running text --------------------------------------------------------------------

_VERBS = (
    r"ch[uy] tr[il]\b|ph\w{1,2}i h\w?p|la co quan|la don vi|lam dau moi|co trach nhiem|"
    r"chiu trach nhiem|tham m[uy]u|h[uy]\w{0,2}ng dan|chi dao|to ch\w{1,3}\b|trien khai|"
    r"th[uy]c hien|tiep tuc|xay dung|bo tri|can doi|kiem tra|tuyen truyen|van dong|ra soat|"
    r"can cu|nghien cuu|day manh|tang cuong|quan ly|phat huy|ho tro|dam bao|bao dam|"
    r"khan truong|giam sat|don doc|tong hop|bao cao|uu tien|huy dong|phan bo|tap trung|"
    r"nang cao|duoc|phai|ban hanh|cung cap|hoan thanh|dieu tra|danh gia|de xuat|long ghep|"
    r"co ke hoach|lap|cap phat|yeu cau|de nghi|giao(?! (?:duc|dich|thong))|tiep nhan|xu ly|"
    r"cho vay|phat dong|chuan bi|thanh lap|cap nhat|phoi ket hop|theo chuc nang|trong pham vi"
)
_VERB_AT = re.compile(r"(?:" + _VERBS + r")\b")
_NO_STOP_AFTER = {"cac", "phong", "ban", "so", "tam", "cuc", "tram", "nhung", "-"}
_HEAD_AT = re.compile(AGENCY_HEAD)
_ASSIGN = re.compile(r"\b(?:giao cho|giao|de nghi|yeu cau)\s+(?=" + AGENCY_HEAD + ")")
_REQUEST = re.compile(r"\W*(?:de nghi|giao cho|giao|yeu cau)\s+")
_DUTY_INTRO = re.compile(r"\W*(?:(?:co|chiu) trach nhiem|co nhiem vu|th[uy]c hien (?:cac )?nhiem vu)")
_ROLE_HEADING = re.compile(r"^\W*\(?\s*(?:la\s+)?(?:co quan|don vi)\s+(?:thuong truc|chu tri|dau moi)"
                           r"|^\W*(?:chu tri|ph\w{1,2}i h\w?p)\b")
_MAX_AGENCY_WORDS = 30


def _agency_extent(text: str, folded: str, start: int, end: int) -> int:
    """End of the agency name that starts at `start`: before the first lower-case verb or colon."""
    previous = ""
    count = 0
    for word in re.finditer(r"\S+", folded[start:end]):
        pos = start + word.start()
        token = word.group(0)
        if count and text[pos].islower() and previous not in _NO_STOP_AFTER \
                and _VERB_AT.match(folded, pos):
            return pos
        stop = re.search(r"[:;(.]", token)
        if stop and not re.match(r"\w\.\w", token[max(0, stop.start() - 1):stop.start() + 2]):
            return pos + stop.start()
        count += 1
        if count > _MAX_AGENCY_WORDS:
            return pos
        previous = token.rstrip(",")
    return end


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while end > start and text[end - 1] in " \t\r\n,*-\u2013:":
        end -= 1
    while start < end and text[start] in " \t\r\n*":
        start += 1
    return start, end


# --- roles and projects ------------------------------------------------------------------------

_LEAD = re.compile(r"\bch[uy] tr[il]\b|\bco quan thuong truc\b|\b(?:la|lam) (?:co quan |don vi )?dau moi\b")
_SUPPORT = re.compile(r"\bph\w{1,2}i h\w?p\b")
_NOUN_BEFORE_SUPPORT = re.compile(
    r"\b(?:su|cong tac|ke hoach|quy che|co che|chuong trinh|viec|moi|quan he)\s*$")
_ROLE_LEAD_IN = re.compile(r"(?:trach nhiem|duoc giao|tiep tuc|phai|chu dong|tich cuc|dong thoi|"
                           r"thuong xuyen|va|chat che)\s*$")
_CLAUSE_END = re.compile(r"[.;](?=\s|$)|\n\s*\n")
_PROJECT = re.compile(r"\btieu du an\s+(?:\d{1,2}|[ivx]{1,4})\b(?:\s+thuoc\s+du an\s+"
                      r"(?:\d{1,2}|[ivx]{1,4})\b)?|\bdu an\s+(?:\d{1,2}|[ivx]{1,4})\b")


def role_of(task: str, default: str = "assigned") -> str:
    """lead / support / assigned from the first clause of a task ("Chủ trì, phối hợp ...")."""
    folded = fold(task)
    end = _CLAUSE_END.search(folded)
    clause = folded[: end.start()] if end else folded
    found: list[tuple[int, str]] = []
    for pattern, role in ((_LEAD, "lead"), (_SUPPORT, "support")):
        for m in pattern.finditer(clause):
            before = clause[: m.start()]
            if role == "support" and _NOUN_BEFORE_SUPPORT.search(before):
                continue
            if re.search(r"\bdo\b[^,;]{0,40}$", before):
                continue  # "... do Phòng Y tế chủ trì": someone else leads
            if len(before.split()) <= 4 or _ROLE_LEAD_IN.search(before):
                found.append((m.start(), role))
                break
    return min(found)[1] if found else default


def projects_of(task: str) -> list[str]:
    """Programme projects named in a task, number as written ("Tiểu dự án 1 thuộc Dự án 3")."""
    folded = fold(task)
    names: list[str] = []
    for m in _PROJECT.finditer(folded):
        name = re.sub(r"\s+", " ", task[m.start():m.end()])
        name = name[0].upper() + name[1:]
        if name not in names:
            names.append(name)
    return names


# --- the walk ------------------------------------------------------------------------------------


def _grounding(page: Page, start: int, end: int) -> Grounding:
    raw_start = raw_end = None
    if page.offsets:
        raw_start, raw_end = to_raw_span(page.offsets, start, end)
    return Grounding(page.number, start, end, page.text[start:end], raw_start, raw_end)


def _record(page: Page, agency: str, start: int, end: int, default_role: str,
            confidence: float, role_start: int | None = None) -> ResponsibilityRecord | None:
    """The record of the task at [start, end); its role is read from `role_start` on (the words
    after the agency when the agency is the sentence's subject)."""
    start, end = _trim(page.text, start, end)
    if end - start < 8:
        return None
    task = re.sub(r"\s+", " ", page.text[start:end])
    role_from = start if role_start is None else role_start
    role = role_of(page.text[role_from:end].lstrip(" ,"), default_role)
    if page.offsets:
        # restoration can turn an OCR'd "Chy trl" into another word: the raw text may still say it
        raw_start, raw_end = to_raw_span(page.offsets, role_from, end)
        raw_role = role_of(page.raw_text[raw_start:raw_end].lstrip(" ,"), default_role)
        role = raw_role if raw_role != default_role else role
    code = agency_code(agency)
    if code is None:
        confidence *= 0.8
    return ResponsibilityRecord(agency=agency, agency_code=code, role=role,
                                task=task, projects=projects_of(task),
                                grounding=_grounding(page, start, end),
                                confidence=round(confidence, 2))


def _parse_lead(page: Page, para: Paragraph):
    """Agency that opens a paragraph: (agency, end of agency, rest start, via assignment word)."""
    text, folded = page.text, _folded(page.text)
    start = para.body_start
    while start < para.end and text[start] in " *#":
        start += 1
    assign = _ASSIGN.match(folded, start)
    via = bool(assign)
    if assign:
        start = assign.end()
    elif not _HEAD_AT.match(folded, start):
        return None
    stop = _agency_extent(text, folded, start, para.end)
    agency_start, agency_end = _trim(text, start, stop)
    agency = _clean_heading(text[agency_start:agency_end])
    if not agency or agency_code(agency) is None and not via:
        return None
    return agency, agency_end, stop, via


def _heading_agency(page: Page, para: Paragraph):
    """An agency heading: (agency, start of an inline task or None, default role) or None."""
    text, folded = page.text, _folded(page.text)
    body_start = para.body_start
    while body_start < para.end and text[body_start] in " *#":
        body_start += 1
    body = text[body_start:para.end]
    words = body.split()
    colon = body.find(":")
    if colon > 0 and len(body[:colon].split()) <= 25:
        head_end = body_start + colon
        rest = body_start + colon + 1
    elif para.kind == "heading" and len(words) <= 30 and not body.rstrip("* ").endswith("."):
        head_end, rest = para.end, para.end
    else:
        return None
    start = body_start
    assign = _REQUEST.match(folded, start, head_end)
    if assign:
        start = assign.end()
    if not _HEAD_AT.match(folded, start):
        return None
    agency_start, agency_end = _trim(text, start, head_end)
    agency = _clean_heading(text[agency_start:agency_end])
    role_words = ""
    inner_stop = _agency_extent(text, folded, agency_start, agency_end)
    if inner_stop < agency_end:
        tail = folded[inner_stop:agency_end].strip()
        short = len(tail.split()) <= 8
        if not (tail.startswith("(") or short and (_ROLE_HEADING.match(tail)
                                                   or _DUTY_INTRO.match(tail))):
            return None  # a sentence with the agency as subject: an inline task, not a heading
        role_words = tail
        agency = _clean_heading(text[agency_start:inner_stop])
    if agency_code(agency) is None:
        return None
    default = role_of(role_words) if role_words else "assigned"
    has_task = rest < para.end and len(text[rest:para.end].split()) >= 3
    return agency, (rest if has_task else None), default


def walk(pages: list[Page]) -> list[WalkedParagraph]:
    """Every paragraph with its owning agency and, for task paragraphs, its responsibility record."""
    walked: list[WalkedParagraph] = []
    block: _Block | None = None
    previous: WalkedParagraph | None = None
    header: dict[str, int] | None = None  # columns of the assignment table being read
    for para in document_paragraphs(pages):
        page = pages[para.page_index]
        item = WalkedParagraph(para)
        walked.append(item)
        if para.excluded:
            block = None
            previous = item
            continue
        if para.kind == "table":
            header = _table_row(page, para, header, item)
            previous = item
            continue
        header = None
        if para.continuation and previous is not None:
            item.owner = previous.owner
            previous = item
            continue
        previous = item
        if block and para.kind == "heading" and para.level <= block.level:
            block = None
        if block and para.kind == "bullet" and block.kind == "bullet" and para.level <= block.level:
            block = None
        if block and para.kind == "text" and block.has_items:
            block = None  # a closing paragraph after the block's bullets
        if para.kind in ("heading", "bullet"):
            head = _heading_agency(page, para)
            if head:
                agency, task_start, default = head
                if task_start is not None:
                    item.record = _record(page, agency, task_start, para.end, default, 0.85)
                if task_start is None or para.kind == "heading":
                    block = _Block(agency, para.level, para.kind, default)
                item.owner = agency
                continue
        if block:
            lead = _parse_lead(page, para) if para.kind != "heading" else None
            role_start = None
            if lead and _ROLE_HEADING.match(_folded(page.text), lead[2]):
                agency, role_start = lead[0], lead[2]  # another agency is the subject
            else:
                agency = block.agency
            item.owner = agency
            item.record = _record(page, agency, para.body_start, para.end, block.default_role,
                                  0.9 if para.kind != "text" else 0.85, role_start)
            block.has_items = block.has_items or para.kind != "text"
            continue
        inline = _inline(page, para)
        if inline:
            item.owner, item.record = inline
    return walked


def _inline(page: Page, para: Paragraph):
    """A task assigned in running text: "Giao Phòng Y tế chủ trì ...", "Đề nghị Hội Nông dân ..."."""
    folded = _folded(page.text)
    lead = _parse_lead(page, para)
    if lead:
        agency, agency_end, rest, via = lead
        rest_folded = folded[rest:para.end].lstrip(" ,")
        if via or _VERB_AT.match(rest_folded):
            second = _ASSIGN.match(rest_folded)
            if second and not via:  # "UBND xã yêu cầu các ngành ... thực hiện"
                return _assigned_from(page, para, rest + (len(folded[rest:para.end])
                                                          - len(rest_folded)))
            start = para.body_start if not via else rest
            record = _record(page, agency, start, para.end, "assigned", 0.75, role_start=rest)
            return (agency, record) if record else None
    return _assigned_from(page, para, para.body_start)


def _assigned_from(page: Page, para: Paragraph, start: int):
    text, folded = page.text, _folded(page.text)
    m = _ASSIGN.search(folded, start, para.end)
    if not m:
        return None
    stop = _agency_extent(text, folded, m.end(), para.end)
    agency_start, agency_end = _trim(text, m.end(), stop)
    agency = _clean_heading(text[agency_start:agency_end])
    if not agency:
        return None
    record = _record(page, agency, stop, para.end, "assigned", 0.7)
    return (agency, record) if record else None


# --- assignment tables ("Phụ lục phân công nhiệm vụ") ------------------------------------------

_COLUMNS = (("lead", re.compile(r"chu tri|co quan thuc hien|don vi thuc hien|trach nhiem")),
            ("support", re.compile(r"phoi hop")),
            ("time", re.compile(r"thoi gian|thoi han|tien do|hoan thanh")),
            ("task", re.compile(r"noi dung|nhiem vu|hoat dong|cong viec|giai phap")))


def table_cells(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the cells of one table line (tab- or pipe-separated), stripped."""
    line = text[start:end]
    sep = "\t" if line.count("\t") >= 2 else "|"
    spans, pos = [], start
    for part in line.split(sep):
        a, b = pos, pos + len(part)
        pos = b + 1
        while a < b and text[a] in " *":
            a += 1
        while b > a and text[b - 1] in " *":
            b -= 1
        spans.append((a, b))
    if sep == "|" and line.strip().startswith("|"):
        spans = spans[1:]
    if sep == "|" and line.strip().endswith("|"):
        spans = spans[:-1]
    return spans


def _table_row(page: Page, para: Paragraph, header: dict[str, int] | None,
               item: WalkedParagraph) -> dict[str, int] | None:
    """Read one table row: a header names the columns; a data row gives lead, support, time."""
    text, folded = page.text, _folded(page.text)
    cells = table_cells(text, para.start, para.end)
    names = [folded[a:b] for a, b in cells]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        for column, pattern in _COLUMNS:
            if column not in columns and pattern.search(name):
                columns[column] = index
                break
    if "lead" in columns and ("task" in columns or "support" in columns):
        return columns  # a header row
    if header is None or para.excluded or all(set(n) <= set("-: ") for n in names):
        return header

    def cell(column: str) -> tuple[int, int] | None:
        index = header.get(column)
        return cells[index] if index is not None and index < len(cells) else None

    lead, support, time, task = cell("lead"), cell("support"), cell("time"), cell("task")
    task_span = task or (cells[1] if len(cells) > 1 else cells[0])
    if lead and lead[1] > lead[0]:
        agency = _clean_heading(text[lead[0]:lead[1]])
        item.owner = agency
        item.record = _record(page, agency, task_span[0], task_span[1], "lead", 0.85)
        if item.record:
            item.record.role = "lead"  # the column says so, whatever the task's words
    if support and support[1] > support[0]:
        agency = _clean_heading(text[support[0]:support[1]])
        item.support = _record(page, agency, task_span[0], task_span[1], "support", 0.8)
        if item.support:
            item.support.role = "support"
    if time and time[1] > time[0]:
        item.time_cell = time
    return header


def extract_responsibilities(pages: list[Page]) -> list[ResponsibilityRecord]:
    """One record per task bullet of the plan, grounded on the bullet's span in page.text."""
    records = []
    for item in walk(pages):
        records += [r for r in (item.record, item.support) if r is not None]
    return records
