"""A validated tabular dataset: encoded features, binary target, sensitive groups, split."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import TensorDataset

from audit.data._checks import (
    check_frames,
    check_split_sizes,
    group_coverage_warnings,
    unseen_category_warnings,
)
from audit.data._preprocessing import TabularPreprocessor
from audit.data._read import column_type_problems
from audit.data._validation import validate_table
from audit.errors import DataValidationError, Problem, raise_problems

#: Numeric sensitive features with at most this many distinct values are used as groups as is.
MAX_UNBINNED_GROUPS = 12


@dataclass(frozen=True)
class DataSource:
    """Where a dataset comes from, for the model and data card."""

    name: str
    citation: str = ""
    license: str = ""
    url: str = ""


@dataclass(frozen=True)
class TabularSplit:
    """One split of a tabular dataset.

    Attributes
    ----------
    X : numpy.ndarray
        Encoded features, float32, shape ``(n_rows, n_features)``.
    y : numpy.ndarray
        Binary target, int64 in {0, 1}.
    sensitive : pandas.DataFrame
        Group label (string) of each row for each sensitive feature.
    raw : pandas.DataFrame
        The original feature columns, before encoding.
    """

    X: np.ndarray
    y: np.ndarray
    sensitive: pd.DataFrame
    raw: pd.DataFrame

    def __len__(self) -> int:
        return len(self.y)

    def to_torch(self) -> TensorDataset:
        """The split as a ``TensorDataset`` of ``(features, label)`` pairs."""
        return TensorDataset(torch.from_numpy(self.X), torch.from_numpy(self.y))


@dataclass(frozen=True)
class TabularDataset:
    """A tabular dataset ready for training and auditing.

    Attributes
    ----------
    name : str
    target : str
        Name of the target column; ``positive_label`` is the value encoded as 1, the
        favourable outcome every audit reads as 1.
    model_positive_label : str
        The label the audited model's positive output stands for when it is not the
        favourable one (a model trained elsewhere on ``1 = reoffends``): the adapter reads its
        P(positive) as 1 - P(favourable). "" when the model's positive class is favourable.
    sensitive_features : tuple of str
    train, validation, test : TabularSplit
        ``validation`` is carved from the training rows (stratified, seeded);
        the preprocessor is fitted on the remaining training rows only.
    preprocessor : TabularPreprocessor
    source : DataSource
    """

    name: str
    target: str
    positive_label: str
    sensitive_features: tuple[str, ...]
    train: TabularSplit
    validation: TabularSplit
    test: TabularSplit
    preprocessor: TabularPreprocessor
    source: DataSource = field(default_factory=lambda: DataSource(name="user data"))
    warnings: tuple[str, ...] = ()  # stated in the result: unseen test categories, ...
    model_positive_label: str = ""

    @property
    def reversed(self) -> bool:
        """Whether the model's positive class is the unfavourable outcome."""
        return self.model_positive_label not in ("", self.positive_label)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Encoded column names."""
        return self.preprocessor.feature_names_

    @property
    def feature_groups(self) -> dict[str, tuple[int, ...]]:
        """Raw column name to the encoded column indices it became."""
        return self.preprocessor.feature_groups_

    @property
    def n_features(self) -> int:
        return len(self.feature_names)


def _infer_columns(frame: pd.DataFrame, exclude: set[str]) -> tuple[list[str], list[str]]:
    numeric, categorical = [], []
    for column in frame.columns:
        if column in exclude:
            continue
        if pd.api.types.is_bool_dtype(frame[column]) or not pd.api.types.is_numeric_dtype(
                frame[column]):
            categorical.append(column)
        else:
            numeric.append(column)
    return numeric, categorical


def _bin_labels(edges: Sequence[float]) -> list[str]:
    edges = list(edges)
    labels = [f"<{edges[0]:g}"]
    labels += [f"{lo:g}-{hi:g}" for lo, hi in zip(edges[:-1], edges[1:])]
    return labels + [f">={edges[-1]:g}"]


def sensitive_groups(
    frame: pd.DataFrame, sensitive_features: Sequence[str],
    bins: Mapping[str, Sequence[float]] | None = None,
) -> pd.DataFrame:
    """Group label of each row for each sensitive feature, as strings.

    Numeric features listed in ``bins`` are cut at the given edges (``[25, 45]`` gives
    ``<25``, ``25-45``, ``>=45``; each bin holds its lower edge).
    """
    bins = dict(bins or {})
    groups = {}
    problems: list[Problem] = []
    for name in sensitive_features:
        column = frame[name]
        if name in bins:
            edges = sorted(float(e) for e in bins[name])
            codes = np.searchsorted(np.asarray(edges), column.to_numpy(dtype=float), side="right")
            groups[name] = pd.Series(np.asarray(_bin_labels(edges), dtype=object)[codes],
                                     index=frame.index)
        elif pd.api.types.is_numeric_dtype(column) and column.nunique() > MAX_UNBINNED_GROUPS:
            problems.append(Problem(
                DataValidationError, f"sensitive feature {name!r}",
                f"a categorical feature or one with at most {MAX_UNBINNED_GROUPS} values",
                f"a numeric column with {column.nunique()} distinct values",
                f"give bin edges, e.g. sensitive_bins: {{{name}: [25, 45, 65]}}",
            ))
        else:
            groups[name] = column.astype(str)
    raise_problems(problems)
    return pd.DataFrame(groups, index=frame.index)


def encode_target(column: pd.Series, positive_label: object | None) -> tuple[np.ndarray, str]:
    """Encode the target as 1 for ``positive_label`` (matched by value or by its text, so a
    label read from YAML as ``1`` or ``"1"`` matches an integer column, and ``true`` a boolean
    one), else 0."""
    values = list(column.unique())
    if positive_label is None:
        positive_label = sorted(values, key=str)[-1]
    matches = [v for v in values if v == positive_label] or [
        v for v in values if str(v) == str(positive_label)] or [
        v for v in values if str(v).lower() == str(positive_label).lower()]
    if not matches:
        raise DataValidationError(
            f"positive_label for {column.name!r}",
            f"one of the target's values {sorted(map(str, values))}", repr(positive_label),
            "set positive_label (the model's positive class) and favourable_label (the good "
            "outcome, default: the positive class) to values of the target column",
        )
    return (column == matches[0]).to_numpy(dtype=np.int64), str(matches[0])


def build_tabular_dataset(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    target: str,
    sensitive_features: Sequence[str],
    positive_label: object | None = None,
    favourable_label: object | None = None,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    drop_columns: Sequence[str] = (),
    sensitive_bins: Mapping[str, Sequence[float]] | None = None,
    use_sensitive_as_features: bool = True,
    validation_fraction: float = 0.1,
    seed: int = 0,
    name: str = "table",
    source: DataSource | None = None,
) -> TabularDataset:
    """Validate two raw tables and turn them into a :class:`TabularDataset`.

    Parameters
    ----------
    train, test : pandas.DataFrame
        Raw rows of the training and test splits (one row per person).
    target : str
        Binary target column.
    sensitive_features : sequence of str
        Columns whose groups the fairness and privacy audits compare.
    positive_label : optional
        The label the model's positive output stands for (its single logit, column 1 of its
        probabilities); defaults to the last value in sorted order.
    favourable_label : optional
        The favourable outcome (a loan repaid, no reoffence), encoded as 1 for every audit;
        defaults to ``positive_label``. When it is the other label, the model's P(positive)
        is read as 1 - P(favourable) (``model_positive_label``).
    numeric, categorical : sequence of str, optional
        Feature columns by kind; inferred from dtypes when both are omitted.
    drop_columns : sequence of str
        Columns that are neither features nor target (e.g. identifiers, sampling weights).
    sensitive_bins : mapping, optional
        Bin edges for numeric sensitive features (e.g. ``{"age": [25, 45, 65]}``).
    use_sensitive_as_features : bool
        Whether the model may see the sensitive columns (True matches common practice on Adult;
        False gives "fairness through unawareness", which the audit will still measure).
    validation_fraction : float
        Share of training rows held out (stratified) for per-epoch evaluation.
    seed : int
        Seed of the validation split.

    Returns
    -------
    TabularDataset

    Raises
    ------
    DataValidationError
        A typed subclass per problem; all problems are listed together.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [0.0, 1, 2, 3] * 10, "g": ["a", "b"] * 20, "y": [0, 1] * 20})
    >>> ds = build_tabular_dataset(df, df, target="y", sensitive_features=["g"])
    >>> ds.feature_names
    ('x', 'g=a', 'g=b')
    """
    check_frames({"train": train, "test": test})
    exclude = {target, *drop_columns}
    inferred = numeric is None and categorical is None
    if inferred:
        numeric, categorical = _infer_columns(train, exclude)
    numeric, categorical = list(numeric or []), list(categorical or [])
    if not use_sensitive_as_features:
        numeric = [c for c in numeric if c not in sensitive_features]
        categorical = [c for c in categorical if c not in sensitive_features]
    features = numeric + categorical
    problems = []
    for table_name, frame in (("train", train), ("test", test)):
        typed = column_type_problems(frame, numeric=numeric,
                                     inferred=features if inferred else (), table_name=table_name
                                     ) if len(frame) else []
        typed_where = {p.where for p in typed}
        problems += typed + [p for p in validate_table_problems(
            frame, target, sensitive_features, features, table_name) if p.where not in typed_where]
    raise_problems(problems)

    model_positive = None
    if favourable_label is not None and positive_label is not None:
        _, model_positive = encode_target(train[target], positive_label)
    y_train_all, positive = encode_target(
        train[target], favourable_label if favourable_label is not None else positive_label)
    y_test, _ = encode_target(test[target], positive)
    check_split_sizes(y_train_all, validation_fraction, positive)
    fit_idx, val_idx = train_test_split(
        np.arange(len(train)), test_size=validation_fraction, random_state=seed,
        stratify=y_train_all,
    )
    fit_rows, val_rows = train.iloc[np.sort(fit_idx)], train.iloc[np.sort(val_idx)]
    preprocessor = TabularPreprocessor(numeric, categorical).fit(fit_rows)

    def split(frame: pd.DataFrame, y: np.ndarray) -> TabularSplit:
        return TabularSplit(
            X=preprocessor.transform(frame), y=y,
            sensitive=sensitive_groups(frame, sensitive_features, sensitive_bins).reset_index(
                drop=True),
            raw=frame[features].reset_index(drop=True),
        )

    train_split = split(fit_rows, y_train_all[np.sort(fit_idx)])
    test_split = split(test, y_test)
    warnings = (*unseen_category_warnings(fit_rows, {"validation": val_rows, "test": test},
                                          categorical),
                *group_coverage_warnings(train_split.sensitive, test_split.sensitive))
    return TabularDataset(
        name=name, target=target, positive_label=positive,
        sensitive_features=tuple(sensitive_features),
        train=train_split,
        validation=split(val_rows, y_train_all[np.sort(val_idx)]),
        test=test_split,
        preprocessor=preprocessor,
        source=source or DataSource(name=name),
        warnings=warnings,
        model_positive_label="" if model_positive in (None, positive) else model_positive,
    )


def validate_table_problems(frame, target, sensitive_features, features, table_name):
    """Problems of one raw table (see :func:`audit.data.validate_table`)."""
    return validate_table(frame, target=target, sensitive_features=sensitive_features,
                          feature_columns=features, table_name=table_name, strict=False)
