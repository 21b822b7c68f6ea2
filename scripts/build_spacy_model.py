"""Build models/spacy_plans: blank Vietnamese tokenisation plus the keyword SpanRuler.

The patterns come from the tables in pipeline/extract/indicators.py, so the model is rebuilt
from code alone: `python scripts/build_spacy_model.py [OUT_DIR]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract.indicators import INDICATORS, SUBJECTS  # noqa: E402
from pipeline.extract.nlp import MODEL_DIR, SPANS_KEY, pattern_tokens  # noqa: E402


def patterns() -> list[dict]:
    """SpanRuler patterns: IND:<code> for indicator keywords, SUBJ:<folded> for subjects."""
    out = []
    for ind in INDICATORS:
        for kw in ind.keywords:
            out.append({"label": f"IND:{ind.code}", "pattern": pattern_tokens(kw)})
    for kw in SUBJECTS:
        out.append({"label": f"SUBJ:{kw}", "pattern": pattern_tokens(kw)})
    return out


def build(out_dir: Path = MODEL_DIR) -> Path:
    """Create the pipeline and save it to `out_dir`."""
    import spacy

    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": False}}})
    ruler = nlp.add_pipe(
        "span_ruler", config={"spans_key": SPANS_KEY, "validate": True, "overwrite": True}
    )
    ruler.add_patterns(patterns())
    nlp.meta["name"] = "spacy_plans"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Keyword spans for Vietnamese poverty-reduction plans"
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out_dir)
    return out_dir


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else MODEL_DIR
    print(build(target))
