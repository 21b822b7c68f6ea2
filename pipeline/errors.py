"""Every failure a user can meet, as a typed error with an exit code and a next step.

Messages come in Vietnamese first, then English, in one sentence each, as the CLI prints them.
"""

from __future__ import annotations


class PlanError(Exception):
    """Base of user-facing failures; `code` is the process exit code and the report's kind."""

    exit_code = 1
    code = "error"
    vi = "Đã xảy ra lỗi."
    en = "An error occurred."

    def __init__(self, detail: str = "", *, vi: str | None = None, en: str | None = None):
        self.detail = detail
        if vi:
            self.vi = vi
        if en:
            self.en = en
        super().__init__(self.message)

    @property
    def message(self) -> str:
        tail = f" ({self.detail})" if self.detail else ""
        return f"{self.vi} / {self.en}{tail}"

    def report(self) -> dict:
        """The content of the X.error.json file written beside a failed input."""
        return {"error": self.code, "message_vi": self.vi, "message_en": self.en,
                "detail": self.detail}


class EmptyFile(PlanError):
    code = "empty_file"
    vi = "Tệp rỗng, không có nội dung để xử lý; hãy kiểm tra lại bản gốc."
    en = "The file is empty; check the original and copy it again."


class UnsupportedType(PlanError):
    code = "unsupported_type"
    vi = "Định dạng tệp không được hỗ trợ; hãy dùng PDF, ảnh (PNG, JPG, TIFF), DOCX hoặc văn bản."
    en = "Unsupported file type; use PDF, images (PNG, JPG, TIFF), DOCX or plain text."


class CorruptFile(PlanError):
    code = "corrupt_file"
    vi = "Tệp bị hỏng hoặc không đọc được; hãy lấy lại bản gốc."
    en = "The file is corrupt or unreadable; get the original again."


class EncryptedPdf(PlanError):
    code = "encrypted_pdf"
    vi = "PDF có mật khẩu; hãy gỡ mật khẩu (ví dụ: qpdf --decrypt vao.pdf ra.pdf) rồi thử lại."
    en = "The PDF is password-protected; remove the password (e.g. qpdf --decrypt in.pdf out.pdf)."


class NoPages(PlanError):
    code = "no_pages"
    vi = "Tài liệu không có trang nào."
    en = "The document has no pages."


class NoText(PlanError):
    code = "no_text"
    vi = "Không tìm thấy chữ nào trong tài liệu (ảnh trống hoặc quá mờ); hãy quét lại rõ hơn."
    en = "No text was found in the document (blank or unreadable image); scan it again."


class TooLarge(PlanError):
    code = "too_large"
    vi = "Tệp vượt quá giới hạn kích thước hoặc số trang cho phép."
    en = "The file exceeds the allowed size or page count."


class OcrEngineMissing(PlanError):
    code = "ocr_engine_missing"
    exit_code = 3
    vi = "Chưa cài Tesseract hoặc gói tiếng Việt; hãy chạy: apt-get install tesseract-ocr tesseract-ocr-vie."
    en = "Tesseract or its Vietnamese model is missing; run: apt-get install tesseract-ocr tesseract-ocr-vie."


class OcrTimeout(PlanError):
    code = "ocr_timeout"
    vi = "Nhận dạng chữ (OCR) một trang quá thời gian cho phép."
    en = "OCR of a page took longer than allowed."


class DatabaseUnreachable(PlanError):
    code = "database_unreachable"
    exit_code = 4
    vi = "Không kết nối được cơ sở dữ liệu; hãy kiểm tra biến PLANS_DB_URL."
    en = "Cannot reach the database; check PLANS_DB_URL."


class SchemaOutdated(PlanError):
    code = "schema_outdated"
    exit_code = 5
    vi = ("Cơ sở dữ liệu chưa có hoặc cũ hơn chương trình; hãy chạy 'plans migrate' "
          "(hoặc 'plans ingest') trước.")
    en = "The database is missing or older than this program; run 'plans migrate' (or 'plans ingest') first."


class DocumentNotFound(PlanError):
    code = "document_not_found"
    exit_code = 2
    vi = "Không tìm thấy tài liệu; dùng 'plans documents' để xem danh sách."
    en = "No such document; run 'plans documents' to list them."


class UnknownName(PlanError):
    code = "unknown_name"
    exit_code = 2
    vi = "Tên không có trong dữ liệu."
    en = "Unknown name."


class EmptyQuery(PlanError):
    code = "empty_query"
    exit_code = 2
    vi = "Hãy nhập từ hoặc cụm từ cần tìm (chữ hoặc số)."
    en = "Type a word or phrase to search for (letters or digits)."
