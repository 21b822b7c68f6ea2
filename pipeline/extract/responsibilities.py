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
from dataclasses import dataclass
from functools import lru_cache

from pipeline.extract.agencies import AGENCY_HEAD, agency_code
from pipeline.records import Page, ResponsibilityRecord
from pipeline.spans import ground, to_raw_span
from pipeline.structure import SITUATION_WORDS, Block, Structure, is_part_heading, parse_structure
from pipeline.text import fold_ocr

# --- which blocks can hold tasks ----------------------------------------------------------------

# Section titles (folded, at the start of a heading) whose content is not tasks: objectives,
# target indicators ("Chỉ tiêu cụ thể", "Chỉ tiêu giao cho các xã", but not "Chỉ tiêu và nhiệm
# vụ"), scope, budget, the situation and results before the plan ("KẾT QUẢ GIẢM NGHÈO NĂM 2023",
# "ĐÁNH GIÁ TÌNH HÌNH"). Records found there would be targets or background, not duties.
_SKIP_SECTIONS = re.compile(
    r"^\W*(muc tieu|chi tieu(?![\s,;:-]+(?:va\s+)?(?:nhiem vu|giai phap))|muc dich|doi tuong|"
    r"pham vi|kinh phi|nguon von|von va nguon von|thoi gian|ket qua\b|danh gia\b|"
    + SITUATION_WORDS + ")"
)
_APPENDIX = re.compile(r"^\W*(phu luc|bieu mau|bieu so|bang phan cong|danh muc nhiem vu)\b")
_END_OF_BODY = re.compile(r"^\W*(noi nh\w{1,2}n|tm\.|kt\.|t/m)\b")


@dataclass
class WalkedBlock:
    """A block of the plan with the agency that owns it (enclosing block or inline) and its record."""

    block: Block
    page: Page
    excluded: bool = False  # before the first section, in an objectives / budget section, or
    # after "Nơi nhận" (until an appendix)
    owner: str | None = None
    record: ResponsibilityRecord | None = None
    support: ResponsibilityRecord | None = None  # the "phối hợp" column of an assignment table
    time_cell: tuple[int, int] | None = None  # the "thời gian" cell of an assignment table row


@dataclass
class _Owner:
    agency: str
    level: int
    kind: str
    default_role: str
    has_items: bool = False


def _starts_document(block: Block) -> bool:
    """A roman section or a "1." heading: the preamble is over."""
    if block.kind != "heading" or block.label is None:
        return False
    return block.level == 2 or (block.level == 1 and not is_part_heading(block.text))


def walk_blocks(pages: list[Page], structure: Structure) -> list[WalkedBlock]:
    """Every block in order, each marked excluded when no task can be there."""
    by_number = {page.number: page for page in pages}
    result: list[WalkedBlock] = []
    stack: list[tuple[int, bool]] = []  # (heading level, excluded)
    started = ended = False
    for block in structure.blocks:
        page = by_number[block.page]
        body = fold_ocr(page.text[block.body_start:block.end])
        if _END_OF_BODY.match(body):
            ended = True
        elif ended and _APPENDIX.match(body) and len(body.split()) <= 40:
            ended, stack = False, []  # an appendix after the signature: tasks again
        if block.kind == "heading":
            while stack and stack[-1][0] >= block.level:
                stack.pop()
            stack.append((block.level, bool(_SKIP_SECTIONS.match(body))))
            started = started or _starts_document(block)
        excluded = ended or not started or any(skip for _, skip in stack)
        result.append(WalkedBlock(block, page, excluded))
    return result


@lru_cache(maxsize=32)
def _folded(text: str) -> str:
    return fold_ocr(text)


def _clean_heading(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip(" *#:.;-\u2013")


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
    folded = fold_ocr(task)
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
    folded = fold_ocr(task)
    names: list[str] = []
    for m in _PROJECT.finditer(folded):
        name = re.sub(r"\s+", " ", task[m.start():m.end()])
        name = name[0].upper() + name[1:]
        if name not in names:
            names.append(name)
    return names


# --- the walk ------------------------------------------------------------------------------------




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
                                grounding=ground(page, start, end),
                                confidence=round(confidence, 2))


def _parse_lead(page: Page, para: Block):
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


def _heading_agency(page: Page, para: Block):
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


def walk(pages: list[Page], structure: Structure | None = None) -> list[WalkedBlock]:
    """Every block with its owning agency and, for task blocks, its responsibility record."""
    walker = _Walker()
    items = walk_blocks(pages, structure or parse_structure(pages))
    for item in items:
        walker.read(item)
    return items


class _Walker:
    """The state of one walk: the agency block open, the block before, the table header."""

    def __init__(self) -> None:
        self.owner: _Owner | None = None
        self.previous: WalkedBlock | None = None
        self.header: dict[str, int] | None = None  # columns of the assignment table being read

    def read(self, item: WalkedBlock) -> None:
        previous, self.previous = self.previous, item
        block = item.block
        if item.excluded:
            self.owner = None
            return
        if block.kind == "table_row":
            self.header = _table_row(item, self.header)
            return
        self.header = None
        if block.continues and previous is not None:
            item.owner = previous.owner
            return
        self._close_owner(block)
        if block.kind in ("heading", "bullet") and self._opens_owner(item):
            return
        if self.owner:
            self._owned_task(item)
            return
        inline = _inline(item.page, block)
        if inline:
            item.owner, item.record = inline

    def _close_owner(self, block: Block) -> None:
        """A heading as high as the agency's, a bullet as high as an agency bullet, or a closing
        paragraph after the agency's bullets ends what the agency owns."""
        owner = self.owner
        if owner is None:
            return
        if (block.kind == "heading" and block.level <= owner.level
                or block.kind == "bullet" and owner.kind == "bullet" and block.level <= owner.level
                or block.kind == "paragraph" and owner.has_items):
            self.owner = None

    def _opens_owner(self, item: WalkedBlock) -> bool:
        """An agency heading or bullet ("1. Phòng Y tế:"): it owns what follows."""
        block = item.block
        head = _heading_agency(item.page, block)
        if not head:
            return False
        agency, task_start, default = head
        if task_start is not None:
            item.record = _record(item.page, agency, task_start, block.end, default, 0.85)
        if task_start is None or block.kind == "heading":
            self.owner = _Owner(agency, block.level, block.kind, default)
        item.owner = agency
        return True

    def _owned_task(self, item: WalkedBlock) -> None:
        """A task under the open agency (or under another agency its sentence names first)."""
        page, block, owner = item.page, item.block, self.owner
        lead = _parse_lead(page, block) if block.kind != "heading" else None
        role_start = None
        if lead and _ROLE_HEADING.match(_folded(page.text), lead[2]):
            agency, role_start = lead[0], lead[2]  # another agency is the subject
        else:
            agency = owner.agency
        item.owner = agency
        item.record = _record(page, agency, block.body_start, block.end, owner.default_role,
                              0.9 if block.kind != "paragraph" else 0.85, role_start)
        owner.has_items = owner.has_items or block.kind != "paragraph"


def _inline(page: Page, para: Block):
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


def _assigned_from(page: Page, para: Block, start: int):
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


def _table_row(item: WalkedBlock, header: dict[str, int] | None) -> dict[str, int] | None:
    """Read one table row: a header names the columns; a data row gives lead, support, time."""
    page = item.page
    text, folded = page.text, _folded(page.text)
    cells = [_trim_cell(text, c.start, c.end) for c in item.block.cells]
    names = [folded[a:b] for a, b in cells]
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        for column, pattern in _COLUMNS:
            if column not in columns and pattern.search(name):
                columns[column] = index
                break
    if "lead" in columns and ("task" in columns or "support" in columns):
        return columns  # a header row
    if header is None or not cells or all(set(n) <= set("-: ") for n in names):
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


def _trim_cell(text: str, start: int, end: int) -> tuple[int, int]:
    """A cell's span without the bold marks around it."""
    while start < end and text[start] in " *":
        start += 1
    while end > start and text[end - 1] in " *":
        end -= 1
    return start, end


def extract_responsibilities(pages: list[Page],
                             structure: Structure | None = None) -> list[ResponsibilityRecord]:
    """One record per task bullet of the plan, grounded on the bullet's span in page.text."""
    records = []
    for item in walk(pages, structure):
        records += [r for r in (item.record, item.support) if r is not None]
    return records
