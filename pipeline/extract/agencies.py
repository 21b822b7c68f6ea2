"""The one table of agency sector codes: the same sector has different names at each level.

"Phòng Lao động - Thương binh và Xã hội" (district), "Công chức Lao động - TB&XH" (commune) and
"Sở LĐ-TB&XH" (province) are all `LDTBXH`, so responsibilities compare across localities.
Matching is accent-insensitive (text.fold_ocr), so accent-stripped or restored OCR text still maps.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.text import fold_ocr

# code -> (what the sector is, regexes searched in the folded name: lower case, no accents).
# Order matters: the first sector whose pattern occurs in the first agency of a name wins, so
# narrow sectors (the Social Policy Bank, social insurance, vocational training) come before
# the broad ones whose words they contain ("xã hội", "giáo dục", "lao động").
AGENCY_SECTORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "NHCSXH": ("Vietnam Bank for Social Policies (Ngân hàng Chính sách xã hội, its branches)",
               (r"ngan hang chinh sach", r"\bnhcs", r"\bngan hang\b")),
    "BHXH": ("social insurance (Bảo hiểm xã hội)", (r"bao hiem xa hoi", r"\bbhxh\b")),
    "LDLD": ("Labour Confederation (Liên đoàn Lao động, Công đoàn)",
             (r"lien doan lao dong", r"\bcong doan\b", r"\bldld\b")),
    "GDNN": ("vocational training centres (Trung tâm Giáo dục nghề nghiệp - GDTX, dạy nghề)",
             (r"giao d[uy]c nghe nghi\w?p", r"\bday nghe\b", r"\bgdnn\b", r"\bgdtx\b")),
    "LDTBXH": ("labour, invalids and social affairs: Sở / Phòng LĐ-TB&XH, Công chức LĐ-TB&XH",
               (r"lao\s*d\w{0,3}ng\W{0,4}(thu|tb|th\w{1,4}ng binh)", r"thu\w{0,3}ng binh",
                r"\bl\s*d\W{0,2}tb\W{0,2}(&|va)?\W{0,2}xh", r"\bldtbxh\b", r"\bsldtbxh\b",
                r"\blao dong\b.{0,20}\bxa hoi\b")),
    "THONGKE": ("statistics (Chi cục Thống kê, Công chức Văn phòng - Thống kê)",
                (r"thong ke",)),
    "TUPHAP": ("justice (Phòng / Công chức Tư pháp - Hộ tịch)",
               (r"\bt[uw] phap\b", r"\bho tich\b")),
    "NOIVU": ("home affairs (Phòng / Sở Nội vụ)", (r"\bnoi vu\b",)),
    "YTE": ("health: Sở / Phòng Y tế, Trung tâm Y tế, Trạm Y tế, hospitals",
            (r"\by te\b", r"\bbenh vien\b", r"\byte\b")),
    "GDDT": ("education: Sở / Phòng Giáo dục và Đào tạo, schools and their heads",
             (r"giao d[uy]c", r"\bgd\s*(&|va)?\s*dt\b", r"\bnha tr\w{2,4}ng\b", r"\bhieu truong\b",
              r"\btruong (mam non|tieu hoc|trung hoc|thcs|thpt|hoc)\b", r"\bcac truong\b")),
    "NNPTNT": ("agriculture and rural development: Sở / Phòng NN&PTNT, Phòng Kinh tế (towns and "
               "cities), Công chức Địa chính - Nông nghiệp, agricultural extension",
               (r"n\w{1,2}ng nghi\w?p", r"\bnn\s*(&|va)\s*ptnt\b", r"\bphong kinh te\b", r"khuyen nong")),
    "XD": ("construction and housing: Phòng Quản lý đô thị, Công chức Địa chính - Xây dựng",
           (r"\bx[a-z]y dung\b", r"quan ly do thi", r"\bqldt\b")),
    "TNMT": ("natural resources, land and environment (Tài nguyên và Môi trường, Địa chính)",
             (r"tai nguyen", r"dia chinh", r"moi truong")),
    "TCKH": ("finance and planning: Sở Tài chính, Sở KH&ĐT, Phòng Tài chính - Kế hoạch, "
             "Công chức Tài chính - Kế toán / Kế toán - Ngân sách",
             (r"tai ch\w{1,2}nh", r"ke hoach\s*(va|&)\s*dau tu", r"\bke toan\b", r"\bngan sach\b",
              r"\btc\s*-\s*kh\b")),
    "VHTT": ("culture and information: Sở / Phòng Văn hóa - Thông tin, Sở TT&TT, Trung tâm "
             "Văn hóa - Thông tin, Đài Truyền thanh, Công chức Văn hóa - Xã hội",
             (r"v\w{1,2}n h\w{1,2}a\b", r"th\w{1,2}ng tin", r"truyen thanh", r"truyen thong",
              r"\bvh\W{0,3}tt", r"\bvhxh\b", r"\btt\s*(&|va)\s*tt\b", r"\bdai phat thanh\b")),
    "CONGTHUONG": ("industry and trade (Công Thương)", (r"cong thuong",)),
    "DANTOC": ("ethnic affairs (Phòng / Ban Dân tộc)", (r"^(phong|ban|so|cong chuc) dan toc",)),
    "CONGAN": ("police (Công an)", (r"\bcong an\b",)),
    "QUANSU": ("military command (Ban Chỉ huy Quân sự)", (r"quan su",)),
    "MTTQ": ("Vietnam Fatherland Front (Ủy ban Mặt trận Tổ quốc, UBMTTQ)",
             (r"\bm\w?t tr\w{1,2}n\b", r"\bmttq", r"\bubmt", r"\bto q\w{1,3}c\b")),
    "HLHPN": ("Women's Union (Hội Liên hiệp Phụ nữ)",
              (r"phu n[uy]\b", r"lien hiep", r"\bhlhpn\b", r"\bhpn\b")),
    "HND": ("Farmers' Union (Hội Nông dân)", (r"nong dan", r"\bhnd\b")),
    "DTN": ("Youth Union (Đoàn Thanh niên Cộng sản Hồ Chí Minh, Huyện / Xã đoàn)",
            (r"doan thanh nien", r"\bthanh nien\b", r"\btncs", r"\b(huyen|thanh|tinh|xa) doan\b",
             r"\bdoan tn\b")),
    "HCCB": ("Veterans' Association (Hội Cựu chiến binh)", (r"cuu chien binh", r"\bhccb\b")),
    "CTD": ("Red Cross (Hội Chữ thập đỏ)", (r"chu thap do",)),
    "KHUYENHOC": ("Study Promotion Association (Hội Khuyến học)", (r"khuyen hoc",)),
    "BCD": ("poverty-reduction steering committee and its members (Ban Chỉ đạo)",
            (r"ban chi dao", r"\bbcd\b", r"\bto cong tac\b")),
    "UBND_XA": ("People's Committees of communes, wards, townships (UBND các xã, phường)",
                (r"^(chu tich |lanh dao )?(ubnd|uy ban nhan dan|ub)\s+(cac\s+)?"
                 r"(xa|phuong|thi tran)\b",)),
    "UBND_HUYEN": ("People's Committee of the district / town / city",
                   (r"^(ubnd|uy ban nhan dan)\s+(cac\s+)?(huyen|thi xa|thanh pho|quan)\b",)),
    "UBND_TINH": ("People's Committee of the province", (r"^(ubnd|uy ban nhan dan)\s+tinh\b",)),
    "THON": ("villages and residential units of every region (thôn, làng, bản, buôn, ấp, khóm, "
             "tổ dân phố, khu phố, khối, tổ dân cư) and their heads (Trưởng thôn, Bí thư chi bộ)",
             (r"^(?:(?:truong|to truong|bi thu chi bo|chi bo)\s+)?(?:cac\s+)?"
              r"(?:thon|lang(?! nghe)|ban(?! (?:quan ly|chi huy|dieu hanh|cong tac|thuong vu|tuyen giao|"
              r"dan van|to chuc|kinh te|van hoa|phap che|nganh|giam sat|dai dien|thanh tra|bao ve|"
              r"chi dao|dan toc)\b)|buon|ap(?! dung)|khom|to dan pho|khu pho|to dan cu|"
              r"khu dan cu|khoi(?! (?:dang|chinh quyen|thi dua|doanh nghiep|co quan|van)\b))\b",
              r"^bi thu chi bo\b", r"^(?:cac\s+)?chi bo (?:thon|ban|buon|ap|khoi|khom|to dan pho|"
              r"khu pho)\b")),
    "DOANTHE": ("mass organisations in general (các đoàn thể, tổ chức chính trị - xã hội)",
                (r"doan the", r"chinh tri", r"^cac hoi\b", r"^cac to chuc\b")),
    "CQ_LIENQUAN": ("all concerned agencies (các cơ quan, đơn vị, ban, ngành liên quan)",
                    (r"^((thu truong|giam doc|lanh dao) )?cac (co quan|don vi|ban|nganh|phong|so|"
                     r"cong chuc)\b",
                     r"\bthu truong\b", r"\bco quan\b.{0,20}\blien quan\b")),
}

# The first word(s) of an agency name, folded; used to see where a name starts in running text.
AGENCY_HEAD = (
    r"(?:phong giao dich|phong|so|chi nhanh|giam doc|ban chi dao|ban chi huy|ban dan toc|ban quan ly|ban|"
    r"trung tam|tram|chi cuc|cuc|ngan hang|bao hiem xa hoi|bhxh|nhcsxh|hoi|huyen doan|"
    r"thanh doan|tinh doan|xa doan|doan thanh nien|doan tncs\w*|lien doan|cong doan|"
    r"uy ban|ubnd|ubmttq\w*|ub\s+mttq|m\w?t tr\w{1,2}n|mttq\w*|cong ch\w{1,3}\b|can bo|hieu truong|"
    r"thu truong|chu tich|dai truyen thanh|dai|cong an|van phong|benh vien|nha truong|"
    r"to truong|truong|bi thu chi bo|chi bo|thon|to dan pho|khu pho|to dan cu|khom|buon|"
    r"cac (?:thanh vien|co quan|don vi|ban|nganh|phong|so|doan the|to chuc|hoi|thon|lang|"
    r"khoi|ap|buon|khom|to dan pho|khu pho|to dan cu|khu dan cu|chi bo|"
    r"xa|phuong|cong chuc|nha tr\w+ng|truong|tram|chi hoi|dia phuong|ban nganh))\b"
)

# Canonical names for the shared spaCy EntityRuler (label AGENCY, id = sector code).
_CANONICAL_NAMES: dict[str, tuple[str, ...]] = {
    "LDTBXH": ("Phòng Lao động - Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội",
               "Công chức Lao động - Thương binh và Xã hội", "Sở LĐ-TB&XH", "Phòng LĐ-TB&XH"),
    "YTE": ("Phòng Y tế", "Sở Y tế", "Trạm Y tế", "Trung tâm Y tế"),
    "GDDT": ("Phòng Giáo dục và Đào tạo", "Sở Giáo dục và Đào tạo"),
    "NNPTNT": ("Phòng Nông nghiệp và Phát triển nông thôn",
               "Sở Nông nghiệp và Phát triển nông thôn", "Phòng Kinh tế"),
    "TCKH": ("Phòng Tài chính - Kế hoạch", "Sở Tài chính", "Sở Kế hoạch và Đầu tư"),
    "VHTT": ("Phòng Văn hóa - Thông tin", "Sở Văn hóa, Thể thao và Du lịch",
             "Sở Thông tin và Truyền thông", "Công chức Văn hóa - Xã hội"),
    "NHCSXH": ("Ngân hàng Chính sách xã hội",),
    "MTTQ": ("Ủy ban Mặt trận Tổ quốc Việt Nam", "Ủy ban MTTQ Việt Nam"),
    "HLHPN": ("Hội Liên hiệp Phụ nữ",),
    "HND": ("Hội Nông dân",),
    "DTN": ("Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Đoàn Thanh niên"),
    "HCCB": ("Hội Cựu chiến binh",),
    "BHXH": ("Bảo hiểm xã hội",),
}

SPAN_PATTERNS: list[dict] = [
    {"label": "AGENCY", "pattern": name, "id": code}
    for code, names in _CANONICAL_NAMES.items()
    for name in names
]

_SEGMENT_BREAK = re.compile(r"\s*(?:,|;|\bva\b|&)\s*(?=" + AGENCY_HEAD + ")")
_PREFIX = re.compile(r"^\W*(?:de nghi|giao cho|giao|yeu cau|\d+(?:\.\d+)*[.)]?)\s+")
_GENERIC_LEAD = re.compile(r"^((thu truong|giam doc|lanh dao) )?cac (co quan|don vi|ban nganh|nganh|"
                           r"phong|so|cong chuc)\b")
_COMPILED = {code: tuple(re.compile(p) for p in pats) for code, (_, pats) in AGENCY_SECTORS.items()}


def _code_of_segment(segment: str) -> str | None:
    if _GENERIC_LEAD.match(segment):  # "các ngành, đoàn thể ..." is every agency, not one sector
        return "CQ_LIENQUAN"
    for code, patterns in _COMPILED.items():
        if any(p.search(segment) for p in patterns):
            return code
    return None


@lru_cache(maxsize=4096)
def agency_code(name: str) -> str | None:
    """Sector code of an agency name as written (the first agency of a list decides)."""
    folded = re.sub(r"\s+", " ", fold_ocr(name)).strip(" :.-*#")
    folded = _PREFIX.sub("", folded)
    folded = re.sub(r"[\u2013\u2014]", "-", folded)
    if not folded:
        return None
    for segment in _SEGMENT_BREAK.split(folded):
        code = _code_of_segment(segment.strip())
        if code:
            return code
    return None
