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
    # False for failures of the machine (database busy, disk full ...): the file is not set
    # aside, it waits in the inbox (or where it was) for the next try
    blames_file = True

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
    """Base of the limits of pipeline/limits.py: the file is not broken, it is too big (or too
    slow) to read safely. Each message names the setting that moves the limit."""

    code = "too_large"
    vi = "Tệp vượt quá giới hạn cho phép."
    en = "The file exceeds an allowed limit."


class FileTooLarge(TooLarge):
    code = "file_too_large"
    vi = ("Tệp quá lớn; hãy tách thành các tệp nhỏ hơn, hoặc nâng giới hạn bằng biến "
          "PLANS_MAX_FILE_MB.")
    en = "The file is too large; split it into smaller files, or raise PLANS_MAX_FILE_MB."


class TooManyPages(TooLarge):
    code = "too_many_pages"
    vi = "Tài liệu có quá nhiều trang; hãy tách thành nhiều tệp, hoặc nâng PLANS_MAX_PAGES."
    en = "The document has too many pages; split it into several files, or raise PLANS_MAX_PAGES."


class PageTooLarge(TooLarge):
    code = "page_too_large"
    vi = ("Một trang (hoặc ảnh) quá lớn để đọc an toàn: quá nhiều điểm ảnh; hãy quét lại khổ A4 "
          "ở 300 dpi, hoặc nâng PLANS_MAX_PAGE_MEGAPIXELS.")
    en = ("A page (or image) is too large to read safely: too many pixels; rescan it on A4 at "
          "300 dpi, or raise PLANS_MAX_PAGE_MEGAPIXELS.")


class ArchiveTooLarge(TooLarge):
    code = "archive_too_large"
    vi = ("Tệp DOCX khi giải nén quá lớn; hãy lưu lại tài liệu không kèm ảnh lớn, hoặc nâng "
          "PLANS_MAX_UNZIPPED_MB.")
    en = ("The DOCX file unpacks to too much data; save the document again without large "
          "pictures, or raise PLANS_MAX_UNZIPPED_MB.")


class CompressionTooHigh(TooLarge):
    code = "compression_too_high"
    vi = ("Tệp DOCX nén bất thường (giống một 'bom nén'); hãy mở và lưu lại bằng Word, hoặc "
          "nâng PLANS_MAX_ZIP_RATIO nếu chắc chắn tệp an toàn.")
    en = ("The DOCX file is compressed abnormally (like a zip bomb); open and save it again in "
          "Word, or raise PLANS_MAX_ZIP_RATIO if you trust the file.")


class TextTooLarge(TooLarge):
    code = "text_too_large"
    vi = "Văn bản quá dài; hãy tách thành nhiều tệp, hoặc nâng PLANS_MAX_TEXT_CHARS."
    en = "The text is too long; split it into several files, or raise PLANS_MAX_TEXT_CHARS."


class LineTooLong(TooLarge):
    code = "line_too_long"
    vi = ("Văn bản có một dòng quá dài (không phải văn bản kế hoạch thông thường); hãy lưu lại "
          "với các dòng xuống hàng, hoặc nâng PLANS_MAX_LINE_CHARS.")
    en = ("The text has a line far too long for a plan; save it again with its line breaks, or "
          "raise PLANS_MAX_LINE_CHARS.")


class MemoryLimitExceeded(TooLarge):
    code = "memory_limit"
    vi = ("Đọc tệp cần nhiều bộ nhớ hơn giới hạn; hãy quét lại ở 300 dpi, hoặc nâng "
          "PLANS_MAX_OCR_MEMORY_MB.")
    en = ("Reading the file needs more memory than allowed; rescan it at 300 dpi, or raise "
          "PLANS_MAX_OCR_MEMORY_MB.")


class FileTimeout(TooLarge):
    code = "file_timeout"
    vi = ("Đọc tệp quá thời gian cho phép; hãy tách thành nhiều tệp, hoặc nâng "
          "PLANS_FILE_SECONDS.")
    en = "Reading the file took longer than allowed; split it, or raise PLANS_FILE_SECONDS."


class OcrEngineMissing(PlanError):
    code = "ocr_engine_missing"
    exit_code = 3
    vi = "Chưa cài Tesseract hoặc gói tiếng Việt; hãy chạy: apt-get install tesseract-ocr tesseract-ocr-vie."
    en = "Tesseract or its Vietnamese model is missing; run: apt-get install tesseract-ocr tesseract-ocr-vie."


class ModelMissing(PlanError):
    code = "model_missing"
    exit_code = 3
    vi = ("Thiếu mô hình trong models/ (hoặc trong gói đã cài); hãy chạy 'make models', hoặc cài "
          "lại gói từ mã nguồn đầy đủ.")
    en = ("A model is missing from models/ (or from the installed package); run 'make models', "
          "or reinstall the package from a complete checkout.")


class OcrTimeout(TooLarge):
    """Every Tesseract pass of one page together (reading, orientation, second reading)."""

    code = "ocr_timeout"
    vi = ("Nhận dạng chữ (OCR) một trang quá thời gian cho phép; hãy quét lại rõ hơn ở 300 dpi, "
          "hoặc nâng PLANS_PAGE_SECONDS.")
    en = ("OCR of a page took longer than allowed; rescan it more cleanly at 300 dpi, or raise "
          "PLANS_PAGE_SECONDS.")


class DatabaseUnreachable(PlanError):
    code = "database_unreachable"
    exit_code = 4
    vi = "Không kết nối được cơ sở dữ liệu; hãy kiểm tra biến PLANS_DB_URL."
    en = "Cannot reach the database; check PLANS_DB_URL."
    blames_file = False


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


class BadParameter(PlanError):
    code = "bad_parameter"
    exit_code = 2
    vi = "Tham số không hợp lệ; hãy sửa lại giá trị đã nhập."
    en = "Invalid parameter; correct the value given."


class EmptyQuery(PlanError):
    code = "empty_query"
    exit_code = 2
    vi = "Hãy nhập từ hoặc cụm từ cần tìm (chữ hoặc số)."
    en = "Type a word or phrase to search for (letters or digits)."


class FileVanished(PlanError):
    code = "file_vanished"
    vi = "Tệp đã bị xóa hoặc di chuyển trong khi đang xử lý; hãy chép lại tệp vào thư mục nhận."
    en = "The file was deleted or moved while it was being processed; copy it into the inbox again."


class EnvironmentFault(PlanError):
    """A failure of the machine, not of the file: nothing is set aside, the file is tried again."""

    blames_file = False


class ReadingStopped(EnvironmentFault):
    code = "reading_stopped"
    vi = "Đã dừng đọc tệp vì chương trình đang dừng; tệp sẽ được xử lý ở lần chạy sau."
    en = "Reading was stopped because the program is stopping; the file is processed next time."


class FileChanged(EnvironmentFault):
    code = "file_changed"
    vi = ("Tệp thay đổi trong khi đang được đọc (có lẽ vẫn đang được chép vào); tệp sẽ được xử lý "
          "lại khi không còn thay đổi.")
    en = ("The file changed while it was being read (still being copied in?); it is processed "
          "again once it stops changing.")


class WatcherStuck(EnvironmentFault):
    code = "watcher_stuck"
    exit_code = 11
    vi = "Trình theo dõi thư mục lỗi nhiều vòng liên tiếp; chương trình dừng để được khởi động lại."
    en = "The inbox watcher failed several rounds in a row; stopping so that it can be restarted."


class MigrationFailed(EnvironmentFault):
    code = "migration_failed"
    exit_code = 6
    vi = ("Không tạo hoặc nâng cấp được lược đồ cơ sở dữ liệu; chạy lại 'plans migrate --debug' "
          "để xem lỗi, dữ liệu đã lưu không bị thay đổi.")
    en = ("Creating or upgrading the database schema failed; rerun 'plans migrate --debug' to see "
          "why (stored data was not changed).")


class DatabaseBusy(EnvironmentFault):
    """The records database (PLANS_DB_URL, data/plans.db by default) stayed locked."""

    code = "database_busy"
    exit_code = 7
    vi = ("Cơ sở dữ liệu hồ sơ (PLANS_DB_URL, mặc định data/plans.db) đang bị một chương trình "
          "khác khóa quá lâu; tệp không có lỗi và sẽ được thử lại (tăng PLANS_DB_LOCK_WAIT để "
          "chờ lâu hơn).")
    en = ("The records database (PLANS_DB_URL, data/plans.db by default) is locked by another "
          "program for too long; the file is fine and will be tried again (raise "
          "PLANS_DB_LOCK_WAIT to wait longer).")


class PrefectDatabaseBusy(DatabaseBusy):
    """Prefect's own SQLite file (prefect.db in PREFECT_HOME) stayed locked while the temporary
    Prefect server of this command started: another command's server on the same folder wrote."""

    code = "prefect_database_busy"
    vi = ("Cơ sở dữ liệu riêng của Prefect (prefect.db trong PREFECT_HOME) đang bị máy chủ Prefect "
          "của một lệnh khác trên cùng thư mục dữ liệu khóa; tệp không có lỗi: hãy chạy lại lệnh "
          "khi lệnh kia xong, cho mỗi lệnh một PREFECT_HOME riêng, hoặc dùng chung một máy chủ "
          "Prefect (plans server, PREFECT_API_URL).")
    en = ("Prefect's own database (prefect.db in PREFECT_HOME) is locked by the Prefect server of "
          "another command on the same data folder; the file is fine: run the command again once "
          "the other one is done, give each command its own PREFECT_HOME, or share one Prefect "
          "server (plans server, PREFECT_API_URL).")


class StorageFull(EnvironmentFault):
    code = "storage_full"
    exit_code = 8
    vi = "Ổ đĩa của thư mục dữ liệu đã đầy; hãy giải phóng chỗ trống rồi chạy lại."
    en = "The data folder's disk is full; free some space and run again."


class DataFolderReadOnly(EnvironmentFault):
    code = "read_only"
    exit_code = 9
    vi = "Thư mục dữ liệu hoặc cơ sở dữ liệu chỉ cho phép đọc; hãy cấp quyền ghi rồi chạy lại."
    en = "The data folder or database is read-only; make it writable and run again."


class DatabaseCorrupt(EnvironmentFault):
    code = "database_corrupt"
    exit_code = 4
    vi = ("Tệp cơ sở dữ liệu bị hỏng; hãy khôi phục bản sao lưu, hoặc chuyển nó sang chỗ khác "
          "rồi xử lý lại các tệp kế hoạch.")
    en = ("The database file is damaged; restore a backup, or move it aside and process the "
          "plans again.")


class OrchestratorGone(EnvironmentFault):
    code = "orchestrator_gone"
    exit_code = 10
    vi = ("Mất kết nối tới máy chủ Prefect và không khởi động lại được; chương trình dừng để "
          "trình giám sát khởi động lại.")
    en = ("Prefect's API server went away and could not be restarted; stopping so that a "
          "supervisor can restart the watcher.")


# --- many machines: a Prefect server, its workers and the inbox that submits to them ----------


class ServerNotConfigured(PlanError):
    code = "server_not_configured"
    exit_code = 12
    vi = ("Chưa đặt PREFECT_API_URL: hãy chạy 'plans server' trên một máy rồi đặt "
          "PREFECT_API_URL=http://<máy đó>:4200/api trên mọi máy.")
    en = ("PREFECT_API_URL is not set: run 'plans server' on one machine, then set "
          "PREFECT_API_URL=http://<that machine>:4200/api on every machine.")


class ServerUnreachable(EnvironmentFault):
    code = "server_unreachable"
    exit_code = 13
    vi = ("Không kết nối được máy chủ Prefect ở PREFECT_API_URL; hãy kiểm tra 'plans server' "
          "đang chạy và địa chỉ, cổng có đúng và mở tới máy này không.")
    en = ("Cannot reach the Prefect server at PREFECT_API_URL; check that 'plans server' runs "
          "there and that its address and port are right and open to this machine.")


class DeploymentMissing(EnvironmentFault):
    code = "deployment_missing"
    exit_code = 14
    vi = ("Máy chủ Prefect chưa có work pool hoặc deployment của chương trình; hãy khởi động nó "
          "bằng 'plans server' (lệnh này tạo chúng).")
    en = ("The Prefect server has no work pool or deployment of the program; start it with "
          "'plans server', which creates them.")


class SharedPathRequired(BadParameter):
    code = "shared_path_required"
    vi = ("Đường dẫn tương đối không dùng được trên máy khác; hãy dùng đường dẫn tuyệt đối trong "
          "thư mục dùng chung mà mọi máy thấy ở cùng chỗ, hoặc một URL (s3://..., file://...).")
    en = ("A relative path means nothing on another machine; use an absolute path inside the "
          "shared folder every machine mounts at the same place, or a URL (s3://..., file://...).")


class RunsWithoutOutcome(PlanError):
    code = "runs_without_outcome"
    vi = ("Tệp đã được giao cho máy xử lý nhiều lần nhưng lần nào cũng dừng giữa chừng (máy bị tắt, "
          "hết bộ nhớ?); hãy xem nhật ký của 'plans worker' rồi chép lại tệp vào thư mục nhận.")
    en = ("The file was handed to a worker several times and each run stopped halfway (a machine "
          "shut down, out of memory?); check the 'plans worker' logs, then copy it into the inbox "
          "again.")
