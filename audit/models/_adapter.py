"""One adapter between the user's model and the audits.

The audits need a few things from a model: P(positive class) for raw rows and for the dataset's
encoded rows, logits they can differentiate, a per-example loss for membership attacks, and a
way to train fresh copies (reference models, retrains). A :class:`ModelAdapter` gives them for

- a **torch module** with 1 logit (sigmoid), 2 logits (softmax) or K classes (one class
  against the rest, ``positive_index=k``; without it K > 2 is refused), taking the dataset's
  encoded rows, or its own inputs from ``encode(frame) -> tensor | tuple | dict`` (a tuple is
  passed positionally, ``forward(numeric, categorical)``; a dict by keyword);
- a **Hugging Face** sequence classifier (its ``.logits``; dict inputs from ``encode``, see
  :meth:`ModelAdapter.from_huggingface`);
- a plain **predict_proba callable** (scikit-learn, gradient boosting, a model behind an HTTP
  endpoint) returning ``(n, 2)`` or ``(n,)`` probabilities, called on the raw frame, on
  ``encode(frame)``, or on the dataset's encoded array (``inputs="encoded"``).

It states what it can give (:attr:`ModelAdapter.capabilities`); the runner refuses an enabled
audit that needs more before any audit runs.

The audits read column 1 as the **favourable** outcome. When the model's positive class is the
unfavourable one (a recidivism model's P(reoffends)), the adapter is *reversed*
(``reverse=True``, or bound to a dataset whose ``model_positive_label`` is not its favourable
label): its two logits are swapped, so P(favourable) = 1 - P(model's positive class), and a
trainer gets labels with 1 = the model's positive class.

Every model is read as two-column logits ``[z_0, z_1]`` whose softmax is P(positive) in column
1: a single logit ``z`` becomes ``[0, z]`` (softmax gives sigmoid(z), and the margin
``z_1 - z_0`` is ``z``, the log-odds), K logits become ``[logsumexp(others), z_k]``, and
probabilities ``p`` become ``[log(1 - p), log(p)]`` (clipped to ``[1e-15, 1 - 1e-15]``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from torch import nn

from audit.errors import ModelInputMismatchError, ModelOutputError

#: What an audit may need from a model (:attr:`audit.core.Audit.requires`).
CAPABILITIES: dict[str, str] = {
    "proba": "P(positive class) for raw rows and for the dataset's encoded rows",
    "logits": "a torch module's logits (weights that can be re-initialised and retrained)",
    "gradients": "logits differentiable with respect to the dataset's encoded features",
    "input_gradients": "logits differentiable with respect to the model's own inputs (numbers, "
                       "and integer codes through their embeddings)",
    "per_example_loss": "the cross-entropy of each example (membership attacks)",
    "trainer": "a way to train fresh copies on chosen rows (LiRA's reference models)",
}

#: Probabilities are clipped to [EPS, 1 - EPS] before taking logs.
EPS = 1e-15

Inputs = Literal["auto", "frame", "encoded"]
ModelInputs = torch.Tensor | tuple | Mapping
#: ``trainer(frame, y, seed) -> model``: a fresh model of the audited kind trained on raw rows
#: ``frame`` (the feature columns) with labels ``y`` (1 = positive), seeded with ``seed``.
Trainer = Callable[[pd.DataFrame, np.ndarray, int], Any]


def _is_huggingface(model: Any) -> bool:
    return any(c.__name__ == "PreTrainedModel" for c in type(model).__mro__)


def two_column_logits(out: Any, positive_index: int | None = None) -> torch.Tensor:
    """A model's output read as ``(n, 2)`` binary logits with the positive class in column 1.

    Parameters
    ----------
    out : torch.Tensor or object with ``.logits``
        ``(n,)`` or ``(n, 1)``: one logit of the positive class; ``(n, 2)``: two logits;
        ``(n, K)``: K class logits (needs ``positive_index``).
    positive_index : int, optional
        The output column of the positive class (default 1; with one logit it must be 0 or
        None). With K > 2 classes, the class read against the rest.

    Raises
    ------
    ModelOutputError
        K > 2 outputs without ``positive_index``, or an index out of range.

    Examples
    --------
    >>> two_column_logits(torch.tensor([[2.0], [-1.0]])).tolist()
    [[0.0, 2.0], [0.0, -1.0]]
    """
    logits = getattr(out, "logits", out)
    if isinstance(logits, (tuple, list)):
        logits = logits[0]
    if logits.ndim == 1:
        logits = logits[:, None]
    if logits.ndim != 2:
        raise ModelOutputError("model output", "logits of shape (n,), (n, 1), (n, 2) or (n, K)",
                               f"shape {tuple(logits.shape)}",
                               "return one row of logits per example")
    k = logits.shape[1]
    if k == 1:
        if positive_index not in (None, 0, 1):
            raise ModelOutputError("positive_index", "None for a single-logit model (the logit "
                                   "is the positive class's)", repr(positive_index),
                                   "leave positive_index out")
        return torch.cat([torch.zeros_like(logits), logits], dim=1)
    index = 1 if positive_index is None and k == 2 else positive_index
    if index is None:
        raise ModelOutputError(
            "model output", "1 logit (sigmoid) or 2 logits (softmax) per row: a binary classifier",
            f"{k} logits per row (a {k}-class model)",
            f"audit one class against the rest: ModelAdapter(model, positive_index=k) with k in "
            f"[0, {k - 1}], and a binary target column (1 where the label is class k)")
    if not 0 <= index < k:
        raise ModelOutputError("positive_index", f"an output column in [0, {k - 1}]",
                               repr(index), "pass the column of the positive class")
    if k == 2:
        return logits if index == 1 else logits.flip(1)
    own = logits[:, index]
    others = torch.cat([logits[:, :index], logits[:, index + 1:]], dim=1)
    return torch.stack([torch.logsumexp(others, dim=1), own], dim=1)


def probability_logits(p: np.ndarray | torch.Tensor) -> torch.Tensor:
    """``[log(1 - p), log(p)]`` of probabilities (clipped), whose softmax is ``[1 - p, p]``.

    Examples
    --------
    >>> torch.softmax(probability_logits(np.array([0.25])), dim=1)[:, 1].tolist()
    [0.25]
    """
    p = torch.from_numpy(np.array(p, dtype=np.float64)).clamp(EPS, 1 - EPS)  # a writable copy
    return torch.stack([torch.log1p(-p), torch.log(p)], dim=1)


def _rows(inputs: ModelInputs) -> int:
    if isinstance(inputs, torch.Tensor):
        return len(inputs)
    first = next(iter(inputs.values())) if isinstance(inputs, Mapping) else inputs[0]
    return len(first)


def _slice(inputs: Any, start: int, stop: int) -> Any:
    if isinstance(inputs, pd.DataFrame):
        return inputs.iloc[start:stop]
    if isinstance(inputs, Mapping):
        return {k: v[start:stop] for k, v in inputs.items()}
    if isinstance(inputs, tuple):
        return tuple(v[start:stop] for v in inputs)
    return inputs[start:stop]


def _tensor(value: Any, device: torch.device) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        value = torch.from_numpy(np.array(value))  # a writable copy (pandas may give views)
    return value.to(device)


def _to_device(inputs: ModelInputs, device: torch.device) -> ModelInputs:
    if isinstance(inputs, Mapping):
        return {k: _tensor(v, device) for k, v in inputs.items()}
    if isinstance(inputs, tuple):
        return tuple(_tensor(v, device) for v in inputs)
    return _tensor(inputs, device)


def _call(model: nn.Module, inputs: ModelInputs) -> Any:
    if isinstance(inputs, Mapping):
        return model(**inputs)
    if isinstance(inputs, tuple):
        return model(*inputs)
    return model(inputs)


def _device(model: nn.Module) -> torch.device:
    param = next(iter(model.parameters()), None)
    return param.device if param is not None else torch.device("cpu")


def _positive_probability(out: Any, positive_index: int | None, n: int) -> np.ndarray:
    """P(positive) from a predict_proba callable's output, checked."""
    arr = np.asarray(out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else out,
                     dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim == 2:
        k = arr.shape[1]
        index = 1 if positive_index is None and k == 2 else positive_index
        if index is None or not 0 <= index < k:
            raise ModelOutputError(
                "predict_proba output", "(n, 2) or (n,) probabilities of the positive class",
                f"shape {arr.shape}", f"pass positive_index=k (k in [0, {k - 1}]) to read class "
                "k against the rest, with a binary target (1 where the label is class k)")
        arr = arr[:, index]
    if arr.ndim != 1 or len(arr) != n:
        raise ModelOutputError("predict_proba output", f"{n} probabilities (one per row)",
                               f"shape {arr.shape}", "return one probability row per input row")
    if not np.all(np.isfinite(arr)) or arr.min(initial=0.0) < 0 or arr.max(initial=1.0) > 1:
        bad = arr[~(np.isfinite(arr) & (arr >= 0) & (arr <= 1))]
        raise ModelOutputError("predict_proba output", "probabilities in [0, 1]",
                               f"{len(bad)} values outside, e.g. {bad[0]!r}",
                               "return probabilities (apply a sigmoid or softmax to scores)")
    return arr


def _oriented(logits: torch.Tensor, reverse: bool) -> torch.Tensor:
    """Two-column logits with the favourable outcome in column 1 (swapped when reversed)."""
    return logits.flip(1) if reverse else logits


class RowDecoder:
    """Encoded rows of a dataset back to its raw feature columns, in the raw dtypes.

    Integer columns are rounded; see :meth:`audit.data.TabularPreprocessor.inverse_transform`
    for one-hot groups that are not exactly one category.
    """

    def __init__(self, dataset: Any) -> None:
        self.preprocessor = dataset.preprocessor
        self.dtypes = dict(dataset.train.raw.dtypes)

    def __call__(self, X: np.ndarray | torch.Tensor) -> pd.DataFrame:
        if isinstance(X, torch.Tensor):
            X = X.detach().cpu().numpy()
        frame = self.preprocessor.inverse_transform(np.asarray(X))
        for column, dtype in self.dtypes.items():
            if column in frame and pd.api.types.is_integer_dtype(dtype):
                frame[column] = np.round(frame[column].to_numpy(np.float64)).astype(dtype)
            elif column in frame and pd.api.types.is_bool_dtype(dtype):
                frame[column] = frame[column].astype(bool)
        return frame


class EncodedModel(nn.Module):
    """An adapted model as a torch module over a dataset's encoded rows: ``(n, n_features)``
    floats to ``(n, 2)`` logits (positive class in column 1).

    The user's torch model is a submodule, so copies (reference models, randomisation checks)
    copy and re-initialise it; rows are decoded to raw columns first when the model has its own
    encoding (not differentiable with respect to the encoded rows), and a ``predict_proba``
    callable gives ``[log(1 - p), log(p)]`` without gradients.
    """

    def __init__(self, adapter: ModelAdapter, decoder: RowDecoder | None,
                 opaque: bool = False) -> None:
        super().__init__()
        inner = adapter.model if adapter.kind != "callable" else None
        if opaque:  # not a submodule: inspections (hooks, embeddings) see no layer inside
            self.__dict__["inner"] = inner
        else:
            self.inner = inner
        self.predict_fn = adapter.predict_fn
        self.encode = adapter.encode
        self.inputs = adapter.inputs
        self.positive_index = adapter.positive_index
        self.reverse = adapter.reverse
        self.decoder = decoder
        self.columns = adapter.columns

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.inputs == "encoded":
            inputs: Any = x
        else:
            frame = self.decoder(x)
            if self.columns is not None:
                frame = frame[[c for c in self.columns if c in frame.columns]]
            inputs = self.encode(frame) if self.encode is not None else frame
        if self.inner is None:
            if self.inputs == "encoded":  # a callable on the encoded array gets numpy
                inputs = inputs.detach().cpu().numpy()
            p = _positive_probability(self.predict_fn(inputs), self.positive_index, len(x))
            return _oriented(probability_logits(p), self.reverse).to(dtype=torch.float32,
                                                                      device=x.device)
        device = _device(self.inner)
        return _oriented(two_column_logits(_call(self.inner, _to_device(inputs, device)),
                                           self.positive_index), self.reverse).to(x.device)


class ModelAdapter:
    """What the audits need from a model, for torch modules, Hugging Face classifiers and
    plain ``predict_proba`` callables.

    Parameters
    ----------
    model : torch.nn.Module, Hugging Face model, object with ``predict_proba``, or callable
        The trained model. A callable (or ``.predict_proba``) takes a batch and returns
        ``(n, 2)`` or ``(n,)`` probabilities.
    encode : callable, optional
        ``encode(frame) -> tensor | tuple | dict``: the model's own encoding of raw rows (the
        feature columns of the table, as given). Without it a torch model takes the dataset's
        encoded rows (:attr:`audit.data.TabularDataset.feature_names`), and a callable takes
        the raw frame (``inputs="frame"``) or the encoded array (``inputs="encoded"``).
    inputs : {"auto", "frame", "encoded"}
        What the model is called on when ``encode`` is not given; ``"auto"``: the encoded rows
        for a torch model, the raw frame for a callable.
    positive_index : int, optional
        Output column of the positive class: default 1 for two columns; required with K > 2
        classes (the class read against the rest); None with a single logit.
    trainer : callable, optional
        ``trainer(frame, y, seed) -> model``: trains a fresh model of the same kind on raw rows
        (LiRA's reference models), ``y`` 1 for the model's positive class. The runner gives one
        for the models it trains itself.
    reverse : bool, optional
        Whether the model's positive class is the unfavourable outcome (read as
        P(favourable) = 1 - P(positive)); default: what the bound dataset says
        (``dataset.model_positive_label`` differs from its favourable label).
    score_split : callable, optional
        ``score_split(split) -> P(positive)`` replacing the default scoring of a dataset split
        (the text pipeline's batched, padded scoring).
    batch_size : int
        Rows per model call.
    name : str, optional
        How the model is described in the result (default: its class name).

    Raises
    ------
    ModelInputMismatchError
        ``model`` is neither a torch module nor callable, or ``inputs`` is unknown.

    Examples
    --------
    >>> import torch
    >>> adapter = ModelAdapter(torch.nn.Linear(3, 1))          # one logit: sigmoid
    >>> sorted(adapter.capabilities)
    ['gradients', 'input_gradients', 'logits', 'per_example_loss', 'proba']
    >>> adapter.predict_proba(torch.zeros(2, 3)).shape
    (2,)
    >>> ModelAdapter(lambda frame: frame["x"].to_numpy()).kind
    'callable'
    """

    def __init__(self, model: Any, *, encode: Callable[[pd.DataFrame], ModelInputs] | None = None,
                 inputs: Inputs = "auto", positive_index: int | None = None,
                 trainer: Trainer | None = None,
                 score_split: Callable[[Any], np.ndarray] | None = None,
                 batch_size: int = 8192, name: str | None = None,
                 reverse: bool | None = None) -> None:
        if isinstance(model, ModelAdapter):
            raise ModelInputMismatchError("model", "a model, not an adapter", "a ModelAdapter",
                                          "pass the adapter itself where one is accepted")
        if isinstance(model, nn.Module):
            self.kind = "huggingface" if _is_huggingface(model) else "torch"
            self.model, self.predict_fn = model, None
        elif callable(getattr(model, "predict_proba", None)):
            self.kind, self.model, self.predict_fn = "callable", model, model.predict_proba
        elif callable(model):
            self.kind, self.model, self.predict_fn = "callable", model, model
        else:
            raise ModelInputMismatchError(
                "model", "a torch module, a Hugging Face model, an object with predict_proba, "
                "or a callable returning probabilities", type(model).__name__,
                "wrap your model in a function batch -> P(positive class)")
        if inputs not in ("auto", "frame", "encoded"):
            raise ModelInputMismatchError("inputs", "'auto', 'frame' or 'encoded'", repr(inputs),
                                          "pick one of them")
        if encode is not None:
            inputs = "frame"
        elif inputs == "auto":
            inputs = "frame" if self.kind == "callable" else "encoded"
        self.encode = encode
        self.inputs: Literal["frame", "encoded"] = inputs
        self.positive_index = positive_index
        self._reverse = reverse
        self.trainer = trainer
        self.score_split = score_split
        self.batch_size = int(batch_size)
        self.name = name or type(model).__name__
        self.decoder: RowDecoder | None = None
        self.width: int | None = None
        self.columns: list[str] | None = None
        self._dataset: Any = None
        self._module: nn.Module | None = None

    # construction helpers -------------------------------------------------------------
    @classmethod
    def from_huggingface(cls, model: nn.Module, tokenizer: Any, *, text_column: str,
                         text_pair_column: str | None = None, max_length: int = 128,
                         **kwargs: Any) -> ModelAdapter:
        """A Hugging Face sequence classifier over a text column of the raw rows.

        ``tokenizer(texts, padding=True, truncation=True, max_length=..., return_tensors="pt")``
        encodes the rows; ``model(**encoded).logits`` are read as binary logits.
        """
        def encode(frame: pd.DataFrame) -> dict[str, torch.Tensor]:
            texts = frame[text_column].astype(str).tolist()
            pairs = frame[text_pair_column].astype(str).tolist() if text_pair_column else None
            return dict(tokenizer(texts, pairs, padding=True, truncation=True,
                                  max_length=max_length, return_tensors="pt"))

        return cls(model, encode=encode, **kwargs)

    def bind(self, dataset: Any, columns: list[str] | None = None) -> ModelAdapter:
        """A copy of this adapter that knows ``dataset`` (its encoded rows can be decoded to
        raw columns for a model with its own encoding or a callable on frames).

        ``columns``: the order of the raw columns the model was fitted on (scikit-learn
        checks it); frames are given to ``encode`` or the callable in that order (default:
        the dataset's, numeric columns first)."""
        bound = copy.copy(self)
        bound.columns = list(columns) if columns is not None else None
        tabular = hasattr(dataset, "preprocessor")  # a text dataset has no rows to decode
        bound.decoder = RowDecoder(dataset) if tabular else None
        bound.width = int(dataset.n_features) if tabular else None
        bound._dataset = dataset
        bound._module = None
        return bound

    # what it can give -----------------------------------------------------------------
    @property
    def reverse(self) -> bool:
        """Whether the model's positive class is the unfavourable outcome (see ``reverse``)."""
        if self._reverse is not None:
            return bool(self._reverse)
        return bool(getattr(self._dataset, "reversed", False))

    @property
    def native(self) -> bool:
        """Whether the model takes the dataset's encoded rows as they are."""
        return self.inputs == "encoded"

    @property
    def capabilities(self) -> frozenset[str]:
        """Names from :data:`CAPABILITIES` this model gives."""
        caps = {"proba", "per_example_loss"}
        if self.kind != "callable":
            caps.update({"logits", "input_gradients"})
            if self.native:
                caps.add("gradients")
        if self.trainer is not None:
            caps.add("trainer")
        return frozenset(caps)

    @property
    def description(self) -> str:
        """The model in words (kind, inputs), for messages and the result."""
        where = {"frame": "raw rows" + (" through encode()" if self.encode else ""),
                 "encoded": "the dataset's encoded rows"}[self.inputs]
        kind = {"torch": "torch module", "huggingface": "Hugging Face model",
                "callable": "predict_proba callable"}[self.kind]
        return f"{kind} {self.name} on {where}"

    @property
    def n_parameters(self) -> int:
        """Parameters of a torch model (0 for a callable)."""
        return sum(p.numel() for p in self.model.parameters()) if self.kind != "callable" else 0

    # the model as a module over encoded rows --------------------------------------------
    @property
    def module(self) -> nn.Module:
        """The model as a torch module over the bound dataset's encoded rows, ``(n, 2)``
        logits: the user's module itself when it already is that (two logits on the encoded
        rows), else an :class:`EncodedModel` around it."""
        if self._module is None:
            if self.inputs == "frame" and self.decoder is None:
                raise ModelInputMismatchError(
                    "adapter", "an adapter bound to a dataset (its rows are decoded for a model "
                    "with its own encoding)", "an unbound adapter", "call adapter.bind(dataset)")
            if (self.kind != "callable" and self.native and self.positive_index in (None, 1)
                    and not self.reverse and self._outputs_two_logits()):
                self._module = self.model
            else:
                self._module = EncodedModel(self, self.decoder)
        return self._module

    def opaque(self) -> nn.Module:
        """The model over the bound dataset's encoded rows as a black box: the same forward
        as :attr:`module`, with the user's model hidden from module inspection (a model with
        its own embeddings, explained by perturbation on the encoded rows)."""
        if self.kind == "callable" or self.native:
            return self.module
        return EncodedModel(self, self.decoder, opaque=True)

    def _outputs_two_logits(self) -> bool:
        width = self.width
        if width is None:
            first = next((m for m in self.model.modules() if isinstance(m, nn.Linear)), None)
            if first is None:
                return False
            width = first.in_features
        probe = torch.zeros(1, width, device=_device(self.model))
        was = self.model.training
        self.model.eval()
        try:
            with torch.no_grad():
                out = getattr(self.model(probe), "logits", None)
                out = self.model(probe) if out is None else out
        except (RuntimeError, TypeError):
            return False
        finally:
            self.model.train(was)
        return isinstance(out, torch.Tensor) and out.ndim == 2 and out.shape[1] == 2

    # the readings -----------------------------------------------------------------------
    def model_inputs(self, frame: pd.DataFrame) -> Any:
        """What the model is called on for raw rows ``frame``: ``encode(frame)``, the frame
        itself, or (for the dataset's encoding) the encoded rows as a tensor."""
        if self.columns is not None and isinstance(frame, pd.DataFrame):
            frame = frame[[c for c in self.columns if c in frame.columns]]
        if self.encode is not None:
            return self.encode(frame)
        if self.inputs == "frame":
            return frame
        if self.decoder is None:
            raise ModelInputMismatchError(
                "adapter", "an adapter bound to a dataset (raw rows are encoded by its "
                "preprocessing)", "an unbound adapter", "call adapter.bind(dataset)")
        return torch.from_numpy(self.decoder.preprocessor.transform(frame))

    def logits(self, inputs: Any) -> torch.Tensor:
        """``(n, 2)`` logits of model inputs (:meth:`model_inputs`), differentiable for a torch
        model; for a callable, ``[log(1 - p), log(p)]``."""
        if self.kind == "callable":
            arr = inputs.detach().cpu().numpy() if isinstance(inputs, torch.Tensor) else inputs
            return _oriented(probability_logits(_positive_probability(
                self.predict_fn(arr), self.positive_index, len(arr))), self.reverse)
        return _oriented(two_column_logits(_call(self.model, _to_device(inputs, _device(
            self.model))), self.positive_index), self.reverse)

    def predict_proba(self, data: Any) -> np.ndarray:
        """P(favourable outcome) for each row of ``data``: P(the model's positive class), or
        one minus it for a reversed adapter.

        Parameters
        ----------
        data : pandas.DataFrame, dataset split, numpy array or tensor
            Raw rows (a DataFrame of the feature columns), a split of the bound dataset
            (scored on its raw rows or encoded rows, whichever the model takes), or the
            dataset's encoded rows.
        """
        if self.score_split is not None and hasattr(data, "y"):
            p = np.asarray(self.score_split(data), dtype=np.float64)
            return 1.0 - p if self.reverse else p
        if hasattr(data, "raw") and hasattr(data, "X"):
            data = data.X if self.native else data.raw
        if isinstance(data, pd.DataFrame):
            return self._score(data, frame=True)
        X = data if isinstance(data, torch.Tensor) else torch.from_numpy(
            np.array(data, dtype=np.float32))
        return self._score(X, frame=False)

    @torch.no_grad()
    def _score(self, data: Any, *, frame: bool) -> np.ndarray:
        if len(data) == 0:
            return np.zeros(0)
        if not frame and not self.native:  # encoded rows of a model on raw rows
            module = self.module
            parts = [torch.softmax(module(data[s:s + self.batch_size].float()).float(), 1)[:, 1]
                     for s in range(0, len(data), self.batch_size)]
            return torch.cat(parts).cpu().numpy().astype(np.float64)
        if self.kind == "callable":
            inputs = self.model_inputs(data) if frame else data.numpy()
            parts = [_positive_probability(self.predict_fn(_slice(inputs, s, s + self.batch_size)),
                                           self.positive_index,
                                           len(_slice(data, s, s + self.batch_size)))
                     for s in range(0, len(data), self.batch_size)]
            p = np.concatenate(parts)
            return 1.0 - p if self.reverse else p
        inputs = self.model_inputs(data) if frame else data
        n = _rows(inputs)
        was = self.model.training
        self.model.eval()
        try:
            # float32 softmax, as audit.models.predict_proba: the same scores either way
            parts = [torch.softmax(self.logits(_slice(inputs, s, s + self.batch_size)).float(),
                                   dim=1)[:, 1].cpu() for s in range(0, n, self.batch_size)]
        finally:
            self.model.train(was)
        return torch.cat(parts).numpy().astype(np.float64)

    def per_example_loss(self, data: Any, y: np.ndarray) -> np.ndarray:
        """Cross-entropy ``-log P(y)`` of each example (float64), from the probabilities
        (clipped to ``[1e-15, 1 - 1e-15]``), for every kind of model.

        Examples
        --------
        >>> adapter = ModelAdapter(lambda X: np.full(len(X), 0.5), inputs="encoded")
        >>> adapter.per_example_loss(np.zeros((2, 1)), np.array([0, 1])).round(4).tolist()
        [0.6931, 0.6931]
        """
        p = np.clip(self.predict_proba(data), EPS, 1 - EPS)
        y = np.asarray(y)
        return -np.where(y == 1, np.log(p), np.log1p(-p))

    def check(self, frame: pd.DataFrame) -> None:
        """Score two raw rows, so that a model that rejects its inputs or gives an unreadable
        output (K > 2 classes, values outside [0, 1]) fails now, typed, naming the fix.

        Raises
        ------
        ModelInputMismatchError, ModelOutputError
        """
        rows = frame.iloc[:2]
        try:
            self.predict_proba(rows if not self.native or self.decoder is None
                               else self.decoder.preprocessor.transform(rows))
        except (ModelOutputError, ModelInputMismatchError):
            raise
        except Exception as exc:  # the user's model: any failure is reported the same way
            fix = ("pass encode=... (your model's own encoding of the raw rows)"
                   if self.native else "check encode() and the model's forward on these rows")
            raise ModelInputMismatchError(
                "model input", f"a {self.description} that accepts the table's rows",
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                fix) from exc

    def own_inputs(self, seed: int = 0) -> Any:
        """The bound torch model on its own inputs as one float matrix per split
        (:class:`audit.models.OwnInputs`), or None (see :func:`audit.models.own_inputs`)."""
        from audit.models._own_inputs import own_inputs

        if self.decoder is None:
            return None
        return own_inputs(self, self._dataset, seed)

    def trainer_module(self, subset: Any, seed: int) -> nn.Module:
        """LiRA's ``train_reference(subset, seed)``: decode the encoded subset, train with
        :attr:`trainer`, return the new model as a module over encoded rows."""
        X = torch.stack([subset[i][0] for i in range(len(subset))]).numpy()
        y = np.array([int(subset[i][1]) for i in range(len(subset))])
        frame = self.decoder(X) if self.decoder is not None else X
        trained = self.trainer(frame, 1 - y if self.reverse else y, int(seed))
        other = copy.copy(self)
        other.model, other._module = trained, None
        if self.kind == "callable":
            other.predict_fn = getattr(trained, "predict_proba", trained)
        return other.module


__all__ = ["CAPABILITIES", "EncodedModel", "ModelAdapter", "RowDecoder", "probability_logits",
           "two_column_logits"]
