"""UCI Adult (Census Income), shipped in ``sample_models/data/adult`` under CC BY 4.0."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from audit.data._read import decode, read_bytes
from audit.data._tabular import DataSource, TabularDataset, build_tabular_dataset
from audit.errors import DataFileError

ADULT_COLUMNS = (
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
    "native-country", "income",
)
ADULT_NUMERIC = ("age", "education-num", "capital-gain", "capital-loss", "hours-per-week")
ADULT_CATEGORICAL = ("workclass", "marital-status", "occupation", "relationship", "race", "sex",
                     "native-country")
# fnlwgt is a census sampling weight, not a property of the person; education duplicates
# education-num. Both are dropped from the features, as is common practice.
ADULT_DROPPED = ("fnlwgt", "education")
ADULT_SOURCE = DataSource(
    name="UCI Adult (Census Income), 1994 US Census extract",
    citation="Becker, B. and Kohavi, R. (1996). Adult. UCI Machine Learning Repository. "
             "DOI 10.24432/C5XW20",
    license="CC BY 4.0",
    url="archive.ics.uci.edu/dataset/2/adult",
)


def default_adult_dir() -> Path:
    """The copy of the data shipped with the ``sample_models`` package."""
    import sample_models

    return Path(sample_models.__file__).parent / "data" / "adult"


def read_adult_split(path: str | Path) -> pd.DataFrame:
    """Read ``adult.data(.gz)`` or ``adult.test(.gz)`` into a raw frame.

    Unknown values ('?') become the category ``"Unknown"``; the test file's comment line and the
    trailing '.' of its labels are removed.
    """
    path = Path(path)
    text = decode(read_bytes(path), str(path))  # a truncated .gz: a typed error, not EOFError
    try:
        frame = pd.read_csv(io.StringIO(text), header=None, names=list(ADULT_COLUMNS),
                            skipinitialspace=True, comment="|", na_values=[],
                            keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataFileError(str(path), "the UCI Adult file format (15 comma-separated fields)",
                            str(exc).strip().splitlines()[-1][:200],
                            "restore the shipped file (git checkout sample_models/data/adult)"
                            ) from None
    frame = frame.dropna(how="all")
    frame["income"] = frame["income"].str.rstrip(".")
    for column in ADULT_CATEGORICAL:
        frame[column] = frame[column].replace("?", "Unknown")
    return frame.reset_index(drop=True)


def load_adult(
    data_dir: str | Path | None = None,
    *,
    sensitive_features: Sequence[str] = ("sex", "race", "age"),
    sensitive_bins: Mapping[str, Sequence[float]] | None = None,
    use_sensitive_as_features: bool = True,
    validation_fraction: float = 0.1,
    seed: int = 0,
) -> TabularDataset:
    """Load UCI Adult with its official train/test split (32,561 / 16,281 rows).

    Target ``income`` with positive label ``>50K``. Age groups default to the bins
    ``<25, 25-45, 45-65, >=65``.

    Examples
    --------
    >>> ds = load_adult()
    >>> len(ds.test), ds.positive_label
    (16281, '>50K')
    """
    directory = Path(data_dir) if data_dir is not None else default_adult_dir()
    train = read_adult_split(adult_file(directory, "adult.data"))
    test = read_adult_split(adult_file(directory, "adult.test"))
    return build_tabular_dataset(
        train, test, target="income", positive_label=">50K",
        sensitive_features=sensitive_features,
        numeric=ADULT_NUMERIC, categorical=ADULT_CATEGORICAL,
        sensitive_bins=sensitive_bins if sensitive_bins is not None else {"age": [25, 45, 65]},
        use_sensitive_as_features=use_sensitive_as_features,
        validation_fraction=validation_fraction, seed=seed, name="adult", source=ADULT_SOURCE,
    )


def adult_file(directory: Path, stem: str) -> Path:
    """The Adult file ``stem`` (``"adult.data"``, ``"adult.test"``) in ``directory``, gzipped or
    not; :class:`~audit.errors.ConfigError` when neither exists."""
    for candidate in (directory / f"{stem}.gz", directory / stem):
        if candidate.exists():
            return candidate
    from audit.errors import ConfigError

    raise ConfigError(f"data directory {str(directory)!r}", f"a file {stem}.gz or {stem}",
                      "no such file", "point data.path at the folder holding the Adult files")
