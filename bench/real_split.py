"""The split of ../shared/real into a seen part (rules may be written on it) and a blind part.

Made once, on 2026-12-02, before any error on this material was looked at, by document and by
source site: every document and target line of one site (its registrable name, e.g.
"hethongphapluat" for hethongphapluat.vn and .com; each gov.vn portal its own) falls in the same
part; a site is blind when sha256("real-split-2" + site) mod 3 == 0, the first salt of
real-split-0, -1, -2 ... that put 9 to 12 documents and 30 to 45 lines in the blind part (the
salt was chosen on those counts alone). The lists below are that result, frozen: material
added to ../shared/real later joins the blind part until it is reported on.

When the errors of the blind part have been read and fixed, record its numbers as measured
before that in BLIND_HISTORY, move its names to SEEN_SINCE and say so in BENCHMARKS.md: from
then on they are seen. Round 2 of issue 13 did so on 2026-12-05 for the whole round-1 blind
part: every document and line listed here is seen since; only material added later is blind.
"""

BLIND_DOCUMENTS = frozenset({
    "gialai_103_2005.txt", "haiphong_55_2022.txt", "hcm_4249_2016.txt", "hoabinh_816_2017.txt",
    "hoangloc_2020.txt", "ninhbinh_130_2022.txt", "ninhbinh_76_2018.txt", "phuyen_140_2016.txt",
    "truongdong_2023.txt", "tuyenquang_62_2021.txt", "uminhthuong_2021.txt",
})
# lines of target_sentences.txt at the split; later lines are blind
SPLIT_LINES = 108
# line numbers (1-based) of target_sentences.txt
BLIND_LINES = frozenset({
    4, 6, 7, 8, 17, 20, 21, 22, 23, 24, 25, 26, 40, 43, 44, 45, 46, 47, 50, 51, 53, 55, 56, 57,
    87, 102, 103, 104, 105, 106, 107,
})
SEEN_DOCUMENTS = frozenset({
    "bacha_198_2012.txt", "binhdinh_21_2022.txt", "camlam_2020.txt", "dongson_da_2019.txt",
    "gialai_1798_2022.txt", "hungyen_45_2024.txt", "huongtra_2827_2018.txt",
    "langson_54_2020.txt", "ninhthuan_3208_2017.txt", "quangnam_4544_2023.txt",
    "quangngai_04_2024.txt", "quangngai_186_2024.txt", "soctrang_135_2022.txt",
    "thachkim_2024.txt", "thuathienhue_2114_2016.txt", "tiengiang_383_2022.txt",
    "travinh_105_2021.txt", "vinhha_2024.txt", "xaanon_bc_2018.txt", "xuanphu_59_2021.txt",
})
# document name or "line N" -> date its blind errors were read: round 2 of issue 13 read every
# error of the round-1 blind part (after its numbers went into BLIND_HISTORY) and fixed their
# causes; from then on it is seen
SEEN_SINCE: dict[str, str] = {
    **{name: "2026-12-05" for name in BLIND_DOCUMENTS},
    **{f"line {n}": "2026-12-05" for n in BLIND_LINES},
}

# Every measurement of a blind part, kept when its material becomes seen: (date, what was
# measured, facts, targets recall, targets precision, results read as targets), each a
# (right, total) pair. Add a row each time a blind part is measured before its errors are read.
BLIND_HISTORY: tuple[tuple[str, str, tuple[int, int], tuple[int, int], tuple[int, int],
                           tuple[int, int]], ...] = (
    ("2026-12-05", "round 1: 11 documents, 31 lines; measured before any blind error was read",
     (69, 77), (37, 40), (37, 46), (6, 46)),
)
# The same for accent restoration of the blind part's text with its accents stripped (and as
# published, left unchanged): (date, what, {kind: (right, total) syllables}).
RESTORE_BLIND_HISTORY: tuple[tuple[str, str, dict[str, tuple[int, int]]], ...] = (
    ("2026-12-05", "round 1", {"sentence": (864, 881), "beginning": (2788, 2828),
                               "all": (3652, 3709), "kept": (3709, 3709)}),
)
# What reading each blind part's errors found, as phenomena of the genre (the rules written for
# them are tested on sentences and headers written for the tests, never on the real lines)
BLIND_ROUNDS: tuple[tuple[str, str], ...] = (
    ("2026-12-05", "round 1's blind part, read in round 2: 8 wrong facts in 4 documents (an issuer "
     "over no unit line named only by its place line and body, 2 fields; copies without header whose "
     "headline names their unit after 'của', 4; a title wrapped over blank lines, 1; a headerless "
     "copy's type read from an activity in its body instead of its self-announcement, 1); 3 targets "
     "missed (a target assigned 'được giao' told in the past tense, 1; a result named as the basis "
     "of a decision 'căn cứ kết quả khảo sát', 2); 9 records too many (a sentence of results whose "
     "one cue, a count held, was not lent to its uncued clauses, 6, of which 3 a tally of units by "
     "criteria the gold does not list; an evaluation 'Đáng chú ý là ...' introducing results and "
     "a figure 'gần N', 3); 2 indicators wrong (the same measure at a later horizon after ';', "
     "the abbreviation NTM)"),
)


def is_blind_document(name: str) -> bool:
    """Blind unless listed as seen: new material stays blind until it is reported on."""
    return name not in SEEN_SINCE and name not in SEEN_DOCUMENTS


def is_blind_line(number: int) -> bool:
    return f"line {number}" not in SEEN_SINCE and (number in BLIND_LINES or number > SPLIT_LINES)


def part_of(key: str, blind: bool) -> str:
    """ "seen" (seen from the split on), "seen since <date>" (blind until its errors were read
    on that date) or "blind"; `key` is a document name or "line N"."""
    if blind:
        return "blind"
    return f"seen since {SEEN_SINCE[key]}" if key in SEEN_SINCE else "seen"
