"""The one table of indicator codes that targets carry, with their dimension and keywords.

Codes cover the six dimensions / twelve indicators of the multidimensional poverty standard
(Decree 07/2021/NĐ-CP) and the programme indicators of the national poverty-reduction
programme (Quyết định 90/QĐ-TTg). Keywords are written folded (lowercase, no accents; see
text.fold) so that they match accent-stripped or partly restored text. Order matters: when
several keywords stand near one figure, the indicator listed first wins (specific before
generic), so keep narrow indicators above broad ones.

| code | dimension | meaning |
|---|---|---|
| low_birth_weight | health | trẻ sơ sinh có cân nặng thấp (dưới 2.500 gram) |
| malnutrition_weight | health | trẻ em dưới 5 tuổi suy dinh dưỡng cân nặng theo tuổi (nhẹ cân) |
| malnutrition_height | health | trẻ em dưới 5 tuổi suy dinh dưỡng chiều cao theo tuổi (thấp còi) |
| nutrition | health | dinh dưỡng (other nutrition figures) |
| health_insurance | health | bảo hiểm y tế: participation or support |
| health_care | health | khám chữa bệnh, dịch vụ y tế |
| school_attendance | education | tình trạng đi học của trẻ em |
| education_support | education | miễn giảm học phí, hỗ trợ chi phí học tập |
| adult_education | education | trình độ giáo dục của người lớn |
| vocational_training | employment | đào tạo nghề, dạy nghề, giáo dục nghề nghiệp |
| job_connection | employment | kết nối, tư vấn, giới thiệu việc làm |
| dependants | employment | người phụ thuộc trong hộ gia đình |
| employment | employment | việc làm (employment of working-age members) |
| housing_area | housing | diện tích nhà ở bình quân đầu người (8 m²/người) |
| housing_quality | housing | chất lượng nhà ở, nhà ở an toàn |
| domestic_water | water_sanitation | nguồn nước sinh hoạt, nước sạch |
| hygienic_latrine | water_sanitation | nhà tiêu / hố xí hợp vệ sinh |
| telecom_use | information | sử dụng dịch vụ viễn thông, internet |
| information_access | information | phương tiện / dịch vụ tiếp cận thông tin |
| staff_trained | | cán bộ làm công tác giảm nghèo được tập huấn, bồi dưỡng |
| credit | | vay vốn tín dụng ưu đãi (Ngân hàng Chính sách xã hội) |
| legal_aid | | trợ giúp pháp lý |
| production_support | | hỗ trợ phát triển sản xuất, sinh kế, mô hình giảm nghèo (Dự án 2) |
| new_rural_communes | | xã đạt chuẩn nông thôn mới |
| monitoring | | kiểm tra, giám sát, đánh giá |
| income | | thu nhập bình quân (triệu đồng/người/năm, lần) |
| budget | | kinh phí, nguồn vốn, ngân sách (triệu đồng) |
| poverty_rate | | tỷ lệ hộ nghèo (level) |
| poverty_reduction | | giảm tỷ lệ hộ nghèo (amount, per year) |
| poor_households | | số hộ nghèo (level) |
| poor_households_reduction | | số hộ nghèo giảm (amount) |
| near_poor_rate | | tỷ lệ hộ cận nghèo (level) |
| near_poor_reduction | | giảm tỷ lệ hộ cận nghèo (amount) |
| near_poor_households | | số hộ cận nghèo (level) |
| near_poor_households_reduction | | số hộ cận nghèo giảm (amount) |
| households_escaping | | hộ thoát nghèo |
| new_poor_rate | | hộ nghèo phát sinh / tái nghèo (rate) |
| new_poor_households | | hộ nghèo phát sinh / tái nghèo (count) |
| other | | a quantitative objective on none of the above |
"""

from __future__ import annotations

from dataclasses import dataclass

# The six deprivation dimensions (records.DIMENSIONS) as users read them
DIMENSION_LABELS: dict[str, str] = {
    "employment": "Việc làm",
    "health": "Y tế",
    "education": "Giáo dục",
    "housing": "Nhà ở",
    "water_sanitation": "Nước sinh hoạt và vệ sinh",
    "information": "Thông tin",
}


@dataclass(frozen=True)
class Indicator:
    """One indicator code with its dimension and the folded keywords that signal it."""

    code: str
    dimension: str | None
    label: str
    keywords: tuple[str, ...]


INDICATORS: tuple[Indicator, ...] = (
    Indicator("low_birth_weight", "health", "Trẻ sơ sinh nhẹ cân",
              ("can nang so sinh", "so sinh nhe can", "so sinh co can nang", "can nang khi sinh",
               "so sinh thieu can")),
    Indicator("malnutrition_weight", "health", "Suy dinh dưỡng cân nặng theo tuổi",
              ("can nang theo tuoi", "nhe can")),
    Indicator("malnutrition_height", "health", "Suy dinh dưỡng chiều cao theo tuổi",
              ("chieu cao theo tuoi", "thap coi")),
    Indicator("nutrition", "health", "Dinh dưỡng", ("suy dinh duong", "dinh duong")),
    Indicator("health_insurance", "health", "Bảo hiểm y tế",
              ("bao hiem y te", "bhyt", "the bao hiem")),
    Indicator("legal_aid", None, "Trợ giúp pháp lý", ("tro giup phap ly",)),
    Indicator("education_support", "education", "Hỗ trợ học phí, chi phí học tập",
              ("hoc phi", "chi phi hoc tap")),
    Indicator("school_attendance", "education", "Tình trạng đi học của trẻ em",
              ("di hoc", "bo hoc", "den truong", "do tuoi di hoc")),
    Indicator("adult_education", "education", "Trình độ giáo dục người lớn",
              ("trinh do giao duc", "xoa mu chu", "bo tuc van hoa")),
    Indicator("vocational_training", "employment", "Đào tạo nghề",
              ("dao tao nghe", "day nghe", "hoc nghe", "giao duc nghe nghiep", "gdnn",
               "qua dao tao")),
    Indicator("job_connection", "employment", "Kết nối, tư vấn, giới thiệu việc làm",
              ("ket noi", "gioi thieu viec lam", "tu van", "xuat khau lao dong")),
    Indicator("dependants", "employment", "Người phụ thuộc", ("nguoi phu thuoc",)),
    Indicator("staff_trained", None, "Cán bộ giảm nghèo được tập huấn",
              ("tap huan", "boi duong")),
    Indicator("housing_area", "housing", "Diện tích nhà ở bình quân",
              ("dien tich",)),
    Indicator("hygienic_latrine", "water_sanitation", "Nhà tiêu hợp vệ sinh",
              ("nha tieu", "ho xi")),
    Indicator("domestic_water", "water_sanitation", "Nước sinh hoạt",
              ("nuoc sinh hoat", "nuoc sach", "nguon nuoc", "nuoc hop ve sinh")),
    Indicator("housing_quality", "housing", "Chất lượng nhà ở",
              ("chat luong nha", "nha o", "nha tam", "nha dot nat", "nha an toan", "can nha",
               "xay moi", "sua chua nha", "xay nha", "nha dai doan ket")),
    Indicator("telecom_use", "information", "Sử dụng dịch vụ viễn thông",
              ("vien thong", "internet")),
    Indicator("information_access", "information", "Tiếp cận thông tin",
              ("tiep can thong tin", "thong tin", "truyen thanh")),
    Indicator("credit", None, "Vay vốn tín dụng ưu đãi",
              ("vay von", "tin dung", "ngan hang chinh sach", "nhcsxh", "cho vay", "du no")),
    Indicator("production_support", None, "Hỗ trợ phát triển sản xuất, đa dạng hóa sinh kế",
              ("phat trien san xuat", "ho tro san xuat", "sinh ke", "mo hinh giam ngheo",
               "khuyen nong")),
    Indicator("new_rural_communes", None, "Xã đạt chuẩn nông thôn mới",
              ("nong thon moi", "ntm")),
    Indicator("monitoring", None, "Kiểm tra, giám sát", ("giam sat", "kiem tra")),
    Indicator("health_care", "health", "Khám chữa bệnh", ("kham chua benh", "dich vu y te")),
    Indicator("employment", "employment", "Việc làm", ("viec lam", "tim viec")),
    Indicator("income", None, "Thu nhập bình quân", ("thu nhap",)),
    Indicator("budget", None, "Kinh phí", ("kinh phi", "nhu cau von", "ngan sach", "nguon von")),
    Indicator("near_poor_rate", None, "Tỷ lệ hộ cận nghèo", ("ty le ho can ngheo",)),
    Indicator("poverty_rate", None, "Tỷ lệ hộ nghèo", ("ty le ho ngheo", "ty le ngheo")),
    Indicator("poverty_reduction", None, "Giảm tỷ lệ hộ nghèo", ()),
    Indicator("poor_households", None, "Số hộ nghèo", ()),
    Indicator("poor_households_reduction", None, "Số hộ nghèo giảm", ()),
    Indicator("near_poor_reduction", None, "Giảm tỷ lệ hộ cận nghèo", ()),
    Indicator("near_poor_households", None, "Số hộ cận nghèo", ()),
    Indicator("near_poor_households_reduction", None, "Số hộ cận nghèo giảm", ()),
    Indicator("households_escaping", None, "Hộ thoát nghèo", ()),
    Indicator("new_poor_rate", None, "Hộ nghèo phát sinh (tỷ lệ)", ("tai ngheo",)),
    Indicator("new_poor_households", None, "Hộ nghèo phát sinh (số hộ)", ()),
    Indicator("other", None, "Mục tiêu khác", ()),
)

BY_CODE: dict[str, Indicator] = {ind.code: ind for ind in INDICATORS}
PRIORITY: dict[str, int] = {ind.code: i for i, ind in enumerate(INDICATORS)}

# Subject groups a target is about; folded keyword -> name as users read it. Longest first.
SUBJECTS: dict[str, str] = {
    "tre em duoi 5 tuoi": "trẻ em dưới 5 tuổi",
    "ho moi thoat ngheo": "hộ mới thoát nghèo",
    "ho thoat ngheo": "hộ thoát nghèo",
    "ho can ngheo": "hộ cận nghèo",
    "ho ngheo": "hộ nghèo",
    "nguoi lao dong": "người lao động",
    "lao dong": "người lao động",
    "nguoi can ngheo": "người cận nghèo",
    "nguoi ngheo": "người nghèo",
    "nguoi dan toc thieu so": "người dân tộc thiểu số",
    "can bo": "cán bộ",
    "hoc sinh": "học sinh",
    "tre em": "trẻ em",
    "doi tuong": "đối tượng",
    "xa": "xã",
}


def dimension_of(code: str) -> str | None:
    """The poverty dimension of an indicator code (None for programme indicators)."""
    ind = BY_CODE.get(code)
    return ind.dimension if ind else None
