# ruff: noqa: E501 - the plan's paragraphs are one line each, as they are typed
"""Make data/samples/kh-xa-scan-12.pdf: a plan written for the project, printed and scanned.

The demo (`make demo`) should show what happens to a hard input in the first run: OCR, accent
restoration, extraction. This script types the plan below without its accents (as plans typed
on machines without a Vietnamese keyboard arrive), typesets it on A4 (the typeface and margins
of decrees), rasterises it at 200 dpi, degrades it as a flatbed scan does (a slight skew, blur,
noise, JPEG) and writes an image-only PDF: no text layer. The plan is
invented for the project (figures, agencies and dates are examples, no real document); it was
generated once with this script and the PDF committed, so rerunning is only needed to change it.

Run: .venv/bin/python scripts/make_scanned_sample.py
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipeline.text import strip_accents  # noqa: E402
from tests.scans import degrade, paginate, render_pages, write_image_pdf  # noqa: E402

OUT = REPO / "data" / "samples" / "kh-xa-scan-12.pdf"
DPI = 200

PLAN = """ỦY BAN NHÂN DÂN          CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ SƠN THỦY                        Độc lập - Tự do - Hạnh phúc
Số: 27/KH-UBND                     Sơn Thủy, ngày 12 tháng 3 năm 2024

KẾ HOẠCH
Thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững
trên địa bàn xã Sơn Thủy năm 2024

Căn cứ Quyết định số 90/QĐ-TTg ngày 18/01/2022 của Thủ tướng Chính phủ phê duyệt Chương trình mục tiêu quốc gia giảm nghèo bền vững giai đoạn 2021 - 2025;
Thực hiện Kế hoạch số 41/KH-UBND ngày 26/02/2024 của UBND huyện Lệ Thủy về thực hiện công tác giảm nghèo năm 2024,
Ủy ban nhân dân xã Sơn Thủy xây dựng Kế hoạch thực hiện như sau:

I. MỤC TIÊU
1. Mục tiêu chung
Giảm nghèo đa chiều, bền vững; hạn chế tái nghèo và phát sinh nghèo; hỗ trợ hộ nghèo, hộ cận nghèo tiếp cận đầy đủ các dịch vụ xã hội cơ bản.
2. Chỉ tiêu cụ thể
- Tỷ lệ hộ nghèo giảm từ 3,12% xuống còn 2,40% vào cuối năm 2024.
- Tỷ lệ hộ cận nghèo không quá 4,5%.
- 100% người thuộc hộ nghèo, hộ cận nghèo được cấp thẻ bảo hiểm y tế.
- 95% hộ nghèo, hộ cận nghèo sử dụng nước sinh hoạt hợp vệ sinh.
- 85% hộ nghèo, hộ cận nghèo có nhà tiêu hợp vệ sinh.
- Hỗ trợ xây mới, sửa chữa 5 căn nhà cho hộ nghèo có khó khăn về nhà ở.

II. NHIỆM VỤ VÀ GIẢI PHÁP
1. Tuyên truyền trên loa truyền thanh của xã và các thôn về chính sách giảm nghèo, khơi dậy ý chí tự lực vươn lên của hộ nghèo.
2. Rà soát, cập nhật danh sách hộ nghèo, hộ cận nghèo theo chuẩn nghèo đa chiều giai đoạn 2022 - 2025.
3. Phối hợp với Ngân hàng Chính sách xã hội giải ngân vốn vay ưu đãi cho hộ nghèo, hộ cận nghèo, hộ mới thoát nghèo.

III. TỔ CHỨC THỰC HIỆN
1. Công chức Lao động - Thương binh và Xã hội chủ trì, phối hợp với các thôn tổ chức rà soát hộ nghèo, hộ cận nghèo; tổng hợp báo cáo UBND xã trước ngày 15/11/2024.
2. Trạm Y tế xã chủ trì lập danh sách cấp thẻ bảo hiểm y tế cho người thuộc hộ nghèo, hộ cận nghèo, hoàn thành trước ngày 30/6/2024.
3. Công chức Địa chính - Xây dựng phối hợp với Ban quản lý các thôn kiểm tra nhà ở của hộ nghèo; báo cáo kết quả hằng quý.
4. Các thôn xây dựng kế hoạch giảm nghèo của thôn, báo cáo kết quả thực hiện về UBND xã trước ngày 10/12/2024.

Trên đây là Kế hoạch thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững năm 2024 của UBND xã Sơn Thủy.

Nơi nhận:                                   TM. ỦY BAN NHÂN DÂN
- UBND huyện Lệ Thủy;                       CHỦ TỊCH
- Các ban, ngành, đoàn thể xã;
- Lưu: VT.                                  Nguyễn Văn Hùng"""


def main() -> int:
    pages = paginate(strip_accents(PLAN), fontsize=12.0)
    images = [degrade(image, skew=0.6 * (-1) ** i, blur=0.5, noise=6.0, seed=12 + i)
              for i, image in enumerate(render_pages(pages, dpi=DPI, fontsize=12.0))]
    write_image_pdf(images, OUT, dpi=DPI, jpeg_quality=60)
    print(f"{OUT.relative_to(REPO)}: {len(images)} pages, {OUT.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
