"""Map spans of restored text back to the raw text they came from (grounding survives restoration)."""

from __future__ import annotations

from bisect import bisect_right

Offsets = list[tuple[int, int, int, int]]  # (text_start, text_end, raw_start, raw_end), sorted


def to_raw_offset(offsets: Offsets, pos: int, *, end: bool = False) -> int:
    """Raw-text position of `pos` in the restored text; inside a changed segment, its edge."""
    if not offsets:
        return pos
    i = bisect_right([seg[0] for seg in offsets], pos) - 1
    if i < 0:
        return pos  # before the first change: identical prefix
    t_start, t_end, r_start, r_end = offsets[i]
    if pos >= t_end:
        return r_end + (pos - t_end)  # unchanged text after segment i
    if pos == t_start:
        return r_start
    return r_end if end else r_start


def to_raw_span(offsets: Offsets, start: int, end: int) -> tuple[int, int]:
    """Raw span covering the restored span [start, end)."""
    return to_raw_offset(offsets, start), to_raw_offset(offsets, end, end=True)
