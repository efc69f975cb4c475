"""Text datasets: validated columns, one tokenizer for every model, per-batch padding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import Dataset

from audit.data import DataSource, encode_target, sensitive_groups, target_problems
from audit.errors import ConfigError, MissingColumnError, Problem, raise_problems
from audit.text._errors import EmptyTextError, NonTextColumnError, TextTooLongError

OverflowPolicy = Literal["truncate", "refuse"]

#: How over-long texts are cut when the policy is ``"truncate"`` (shown in the report).
TRUNCATION_POLICY = (
    "longest_first: tokens are removed from the end of the longer of text and text pair until "
    "the encoded pair fits max_length (special tokens included)")


class TextSplit(Dataset):
    """One split: token ids per example, binary labels, group labels and the raw texts.

    Items are ``({"input_ids": ..., "token_type_ids": ...}, label)`` (plus ``extra[i]`` when
    ``extra`` is set, e.g. a teacher's logits); :func:`collate` pads a batch and adds
    ``attention_mask``.

    Attributes
    ----------
    input_ids, token_type_ids : list of numpy.ndarray
        Unpadded ids of each example (``token_type_ids`` is None when the tokenizer has none).
    y : numpy.ndarray
        Labels in {0, 1}.
    sensitive : pandas.DataFrame
        Group label (string) of each row for each group column (may have no columns).
    texts : pandas.DataFrame
        The ``text`` (and ``text_pair``) strings as read.
    n_truncated : int
        Examples cut to ``max_length``.
    extra : torch.Tensor, optional
    """

    def __init__(self, input_ids: list[np.ndarray], token_type_ids: list[np.ndarray] | None,
                 y: np.ndarray, sensitive: pd.DataFrame, texts: pd.DataFrame,
                 n_truncated: int = 0, extra: torch.Tensor | None = None) -> None:
        self.input_ids = input_ids
        self.token_type_ids = token_type_ids
        self.y = np.asarray(y, dtype=np.int64)
        self.sensitive = sensitive
        self.texts = texts
        self.n_truncated = int(n_truncated)
        self.extra = extra

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int):
        inputs = {"input_ids": torch.as_tensor(self.input_ids[i], dtype=torch.long)}
        if self.token_type_ids is not None:
            inputs["token_type_ids"] = torch.as_tensor(self.token_type_ids[i], dtype=torch.long)
        label = torch.as_tensor(self.y[i])
        return (inputs, label) if self.extra is None else (inputs, label, self.extra[i])

    def subset(self, indices: Sequence[int] | np.ndarray) -> TextSplit:
        """The rows at ``indices`` (in that order)."""
        idx = np.asarray(indices, dtype=np.int64)
        return TextSplit(
            [self.input_ids[i] for i in idx],
            None if self.token_type_ids is None else [self.token_type_ids[i] for i in idx],
            self.y[idx], self.sensitive.iloc[idx].reset_index(drop=True),
            self.texts.iloc[idx].reset_index(drop=True),
            n_truncated=0, extra=None if self.extra is None else self.extra[torch.as_tensor(idx)])

    def with_extra(self, extra: torch.Tensor | None) -> TextSplit:
        """A copy whose items carry ``extra[i]`` as their third element."""
        if extra is not None and len(extra) != len(self):
            raise ConfigError("extra", f"one row per example ({len(self)})", f"{len(extra)} rows",
                              "compute the extra values on this split")
        return TextSplit(self.input_ids, self.token_type_ids, self.y, self.sensitive, self.texts,
                         self.n_truncated, extra)

    @property
    def lengths(self) -> np.ndarray:
        """Token count of each example."""
        return np.array([len(ids) for ids in self.input_ids], dtype=np.int64)


def collate(batch: list[tuple[Any, ...]], pad_id: int = 0) -> tuple[Any, ...]:
    """Pad a list of :class:`TextSplit` items to the batch's longest example (right padding).

    Returns ``(inputs, labels[, extra])`` where ``inputs`` holds ``input_ids``,
    ``attention_mask`` (1 on real tokens) and ``token_type_ids`` when the items have them.
    """
    if not batch:  # opacus's Poisson sampler replaces empty batches itself; keep them empty
        return {"input_ids": torch.zeros(0, 1, dtype=torch.long),
                "attention_mask": torch.zeros(0, 1, dtype=torch.long)}, torch.zeros(0, dtype=torch.long)
    width = max(len(item[0]["input_ids"]) for item in batch)
    inputs: dict[str, torch.Tensor] = {}
    for key in batch[0][0]:
        padded = torch.full((len(batch), width), pad_id if key == "input_ids" else 0,
                            dtype=torch.long)
        for row, item in enumerate(batch):
            ids = item[0][key]
            padded[row, :len(ids)] = ids
        inputs[key] = padded
    mask = torch.zeros(len(batch), width, dtype=torch.long)
    for row, item in enumerate(batch):
        mask[row, :len(item[0]["input_ids"])] = 1
    inputs["attention_mask"] = mask
    labels = torch.stack([item[1] for item in batch])
    if len(batch[0]) == 3:
        return inputs, labels, torch.stack([item[2] for item in batch])
    return inputs, labels


@dataclass(frozen=True)
class TextDataset:
    """A text classification dataset tokenized for one tokenizer.

    Attributes
    ----------
    name : str
    text, text_pair : str
        Column names of the text and the optional second text (``""`` when absent).
    target, positive_label : str
    sensitive_features : tuple of str
        Group columns (may be empty).
    train, validation, test : TextSplit
        ``validation`` is carved from the training rows (stratified, seeded).
    tokenizer_name : str
    vocab_size, pad_id, max_length : int
    overflow : {"truncate", "refuse"}
    source : DataSource
    """

    name: str
    text: str
    text_pair: str
    target: str
    positive_label: str
    sensitive_features: tuple[str, ...]
    train: TextSplit
    validation: TextSplit
    test: TextSplit
    tokenizer_name: str
    vocab_size: int
    pad_id: int
    max_length: int
    overflow: OverflowPolicy = "truncate"
    source: DataSource = field(default_factory=lambda: DataSource(name="user data"))

    def collate(self, batch: list[tuple[Any, ...]]) -> tuple[Any, ...]:
        """:func:`collate` with this tokenizer's padding id (pass it to ``fit(collate_fn=...)``)."""
        return collate(batch, self.pad_id)

    def limit(self, *, train: int | None = None, validation: int | None = None,
              test: int | None = None, seed: int = 0) -> TextDataset:
        """A copy with at most that many rows per split (stratified, seeded)."""
        splits = {}
        for name, n in (("train", train), ("validation", validation), ("test", test)):
            split = getattr(self, name)
            splits[name] = split if n is None or n >= len(split) else split.subset(
                _stratified_indices(split.y, n, seed))
        return replace(self, **splits)


def _stratified_indices(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    keep, _ = train_test_split(np.arange(len(y)), train_size=n, stratify=y, random_state=seed)
    return np.sort(keep)


#: Where each column role is set in audit.yaml (named in error messages).
_CONFIG_KEYS = {"text": "data.text.text", "text_pair": "data.text.text_pair", "target": "data.target",
                "sensitive_features": "data.sensitive_features"}


def _column_problems(frame: pd.DataFrame, columns: dict[str, str], table: str) -> list[Problem]:
    problems = []
    for role, name in columns.items():
        if name not in frame.columns:
            problems.append(Problem(MissingColumnError, f"{table}[{name!r}]",
                                    f"a column named {name!r} ({role})",
                                    f"columns {list(frame.columns)[:12]}",
                                    f"rename the column or set {_CONFIG_KEYS.get(role.split('[')[0], role)} "
                                    "to one of them"))
    return problems


def _text_problems(frame: pd.DataFrame, name: str, table: str) -> list[Problem]:
    column = frame[name]
    non_text = [i for i, v in column.items() if not (isinstance(v, str) or v is None or
                                                     (isinstance(v, float) and np.isnan(v)))]
    if non_text:
        first = column[non_text[0]]
        first = first.item() if isinstance(first, np.generic) else first
        return [Problem(NonTextColumnError, f"{table}[{name!r}]", "strings (text)",
                        f"{len(non_text)} non-text values, e.g. {first!r} ({type(first).__name__}) "
                        f"at row {non_text[0]!r}",
                        "point data.text.text at the column holding the texts, or convert it with "
                        "df[col].astype(str) if numbers are meant as text")]
    empty = column.isna() | (column.astype(str).str.strip() == "")
    if empty.any():
        rows = list(column.index[empty][:5])
        return [Problem(EmptyTextError, f"{table}[{name!r}]", "non-empty texts",
                        f"{int(empty.sum())} empty or missing texts (rows {rows})",
                        f"drop those rows (df = df[df[{name!r}].str.strip() != ''])")]
    return []


def _encode(tokenizer: Any, texts: pd.Series, pairs: pd.Series | None, max_length: int,
            overflow: OverflowPolicy, table: str, name: str):
    first = texts.tolist()
    second = pairs.tolist() if pairs is not None else None
    full = tokenizer(first, second, truncation=False, add_special_tokens=True,
                     return_attention_mask=False, verbose=False)
    lengths = np.array([len(ids) for ids in full["input_ids"]])
    long = np.flatnonzero(lengths > max_length)
    if len(long) and overflow == "refuse":
        raise TextTooLongError(
            f"{table}[{name!r}]", f"texts of at most {max_length} tokens (the model's limit)",
            f"{len(long)} longer texts (rows {long[:5].tolist()}, longest {int(lengths.max())} tokens)",
            "shorten them, raise max_length up to the model's limit, or set overflow: truncate")
    ids = list(full["input_ids"])
    types = list(full["token_type_ids"]) if "token_type_ids" in full else None
    if len(long):
        cut = tokenizer([first[i] for i in long], [second[i] for i in long] if second else None,
                        truncation="longest_first", max_length=max_length,
                        return_attention_mask=False, verbose=False)
        for j, i in enumerate(long):
            ids[i] = cut["input_ids"][j]
            if types is not None:
                types[i] = cut["token_type_ids"][j]
    as_arrays = [np.asarray(x, dtype=np.int32) for x in ids]
    return as_arrays, (None if types is None else [np.asarray(x, dtype=np.int8) for x in types]), len(long)


def model_token_limit(tokenizer: Any) -> int:
    """The longest input the tokenizer's model accepts (``model_max_length``, capped at 1e6)."""
    limit = getattr(tokenizer, "model_max_length", None)
    return int(limit) if limit and limit < 1_000_000 else 1_000_000


def build_text_dataset(
    train: pd.DataFrame,
    test: pd.DataFrame,
    *,
    text: str,
    target: str,
    tokenizer: Any,
    text_pair: str | None = None,
    positive_label: object | None = None,
    sensitive_features: Sequence[str] = (),
    max_length: int = 128,
    overflow: OverflowPolicy = "truncate",
    validation_fraction: float = 0.1,
    seed: int = 0,
    name: str = "text",
    tokenizer_name: str = "",
    source: DataSource | None = None,
    max_examples: dict[str, int | None] | None = None,
) -> TextDataset:
    """Validate, split and tokenize text tables for binary classification.

    Parameters
    ----------
    train, test : pandas.DataFrame
        Rows with a ``text`` column (and optional ``text_pair``), a binary ``target`` and
        optional group columns.
    text, target : str
    tokenizer : transformers tokenizer
        Used for every model (the small models embed its ids), see :func:`load_tokenizer`.
    text_pair : str, optional
        Second text (e.g. the passage of a question), encoded as a pair ``[CLS] a [SEP] b [SEP]``.
    positive_label : optional
        Target value encoded as 1 (default: the largest value by its text).
    sensitive_features : sequence of str
        Group columns for the fairness audit.
    max_length : int
        Longest encoded example in tokens (special tokens included); at most the tokenizer's
        ``model_max_length``.
    overflow : {"truncate", "refuse"}
        Longer examples are truncated (see :data:`TRUNCATION_POLICY`) or refused.
    validation_fraction : float
        Share of ``train`` held out (stratified, seeded) for validation.
    max_examples : dict, optional
        ``{"train": n, "validation": n, "test": n}``: stratified, seeded subsets taken before
        tokenizing (for quick runs); a missing or None entry keeps the whole split.

    Raises
    ------
    MissingColumnError, NonTextColumnError, EmptyTextError, TargetNotBinaryError,
    SingleClassTargetError, TextTooLongError, ConfigError
        Every problem found in the tables is listed in one error.

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.text import load_tokenizer
    >>> df = pd.DataFrame({"text": ["good", "bad"] * 10, "label": [1, 0] * 10})
    >>> ds = build_text_dataset(df, df, text="text", target="label",
    ...                         tokenizer=load_tokenizer())
    >>> len(ds.train), len(ds.validation), len(ds.test), ds.max_length
    (18, 2, 20, 128)
    """
    limit = model_token_limit(tokenizer)
    if not 2 < max_length <= limit:
        raise ConfigError("max_length", f"an integer in 3..{limit} (the tokenizer's model limit)",
                          repr(max_length), f"use max_length <= {limit}")
    roles = {"text": text, "target": target, **({"text_pair": text_pair} if text_pair else {}),
             **{f"sensitive_features[{i}]": g for i, g in enumerate(sensitive_features)}}
    problems: list[Problem] = []
    for table, frame in (("train", train), ("test", test)):
        problems += _column_problems(frame, roles, table)
    raise_problems(problems)
    for table, frame in (("train", train), ("test", test)):
        for column in [text, *([text_pair] if text_pair else [])]:
            problems += _text_problems(frame, column, table)
        problems += target_problems(frame[target], target, table) if table == "train" else []
    raise_problems(problems)

    y_all, positive = encode_target(pd.concat([train[target], test[target]]), positive_label)
    y_train, y_test = y_all[:len(train)], y_all[len(train):]
    train = train.reset_index(drop=True)
    fit_idx, val_idx = train_test_split(np.arange(len(train)), test_size=validation_fraction,
                                        stratify=y_train, random_state=seed)
    text_columns = [text, *([text_pair] if text_pair else [])]
    limits = max_examples or {}
    fit_idx, val_idx = np.sort(fit_idx), np.sort(val_idx)
    if limits.get("train") and limits["train"] < len(fit_idx):
        fit_idx = fit_idx[_stratified_indices(y_train[fit_idx], limits["train"], seed)]
    if limits.get("validation") and limits["validation"] < len(val_idx):
        val_idx = val_idx[_stratified_indices(y_train[val_idx], limits["validation"], seed)]
    test = test.reset_index(drop=True)
    if limits.get("test") and limits["test"] < len(test):
        keep = _stratified_indices(y_test, limits["test"], seed)
        test, y_test = test.iloc[keep], y_test[keep]

    def split(frame: pd.DataFrame, y: np.ndarray, table: str) -> TextSplit:
        frame = frame.reset_index(drop=True)
        ids, types, n_cut = _encode(tokenizer, frame[text].astype(str),
                                    frame[text_pair].astype(str) if text_pair else None,
                                    max_length, overflow, table, text)
        groups = (sensitive_groups(frame, list(sensitive_features)) if sensitive_features
                  else pd.DataFrame(index=frame.index))
        return TextSplit(ids, types, y, groups.reset_index(drop=True),
                         frame[text_columns].reset_index(drop=True), n_cut)

    return TextDataset(
        name=name, text=text, text_pair=text_pair or "", target=target,
        positive_label=positive, sensitive_features=tuple(sensitive_features),
        train=split(train.iloc[fit_idx], y_train[fit_idx], "train"),
        validation=split(train.iloc[val_idx], y_train[val_idx], "validation"),
        test=split(test, y_test, "test"),
        tokenizer_name=tokenizer_name or type(tokenizer).__name__,
        vocab_size=len(tokenizer), pad_id=int(tokenizer.pad_token_id or 0),
        max_length=max_length, overflow=overflow,
        source=source or DataSource(name=name))
