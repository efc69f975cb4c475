"""One ``Explainer`` over captum's attribution methods: validate, batch, attribute.

The attribution maths is captum's; this module only chooses arguments (baselines, feature masks,
batch sizes), validates inputs with typed errors, and returns one fixed result shape.
"""

from __future__ import annotations

import contextlib
import copy
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch
from captum._utils.common import _run_forward
from captum.attr import (
    DeepLift,
    DeepLiftShap,
    FeatureAblation,
    GradientShap,
    IntegratedGradients,
    KernelShap,
    NoiseTunnel,
    Saliency,
    ShapleyValueSampling,
)

from audit.explain._baselines import Baseline
from audit.explain._batching import (
    activation_bytes_per_row,
    auto_batch_size,
    memory_cap,
    run_chunked,
    tuning_candidates,
)
from audit.explain._config import MethodName, OutputKind, ScoresKind, SmoothingName
from audit.explain._embeddings import EmbeddedForward, EmbeddingView, embedding_view, has_embeddings
from audit.explain._errors import (
    BaselineShapeError,
    ExplainError,
    NotAttributableError,
    NotDifferentiableError,
    RowsNotFoundError,
    TargetOutOfRangeError,
)
from audit.explain._tabular import feature_mask, validate_groups

#: Warnings captum emits on purpose for valid calls we make (silenced only around those calls).
_EXPECTED_WARNINGS = (
    r"Setting forward, backward hooks and attributes on non-linear",
    r"You are providing multiple inputs for Lime / Kernel SHAP",
)


@dataclass(frozen=True)
class MethodSpec:
    """How to run one attribution method and what it can do (captum-style capability flags).

    Attributes
    ----------
    name, label : str
        Registry key and human name.
    build : callable
        ``build(forward_module) -> captum Attribution``.
    is_gradient_based : bool
        Needs gradients of the output with respect to the inputs.
    needs_baseline : bool
        Attributes relative to a reference input.
    baseline_distribution : bool
        Needs several reference rows (SHAP-style expectation over a baseline distribution).
    has_convergence_delta : bool
        Returns a completeness error (captum's ``return_convergence_delta``).
    multiplies_by_inputs : bool
        Attributions are contributions relative to the baseline (global in captum's terms), not
        local sensitivities such as a plain gradient.
    uses_feature_mask : bool
        Perturbs features in groups given by a feature mask.
    """

    name: str
    label: str
    build: Callable[[torch.nn.Module], Any]
    is_gradient_based: bool
    needs_baseline: bool
    baseline_distribution: bool = False
    has_convergence_delta: bool = False
    multiplies_by_inputs: bool = True
    uses_feature_mask: bool = False


#: Models with at most this many activation bytes per row run single-threaded on the CPU.
SMALL_MODEL_BYTES_PER_ROW = 256 * 1024

#: Batch sizes found fastest by online tuning, per (model id, method, width, expansion, device).
_TUNED: dict[tuple, int] = {}

#: Registered attribution methods by name (add yours with :func:`register_method`).
METHODS: dict[str, MethodSpec] = {}


def register_method(spec: MethodSpec) -> MethodSpec:
    """Make ``spec.name`` usable as ``Explainer(model, spec.name)``; returns ``spec``.

    Examples
    --------
    >>> from captum.attr import InputXGradient
    >>> spec = register_method(MethodSpec("input_x_gradient", "Input x Gradient", InputXGradient,
    ...                                   is_gradient_based=True, needs_baseline=False))
    >>> "input_x_gradient" in METHODS
    True
    """
    METHODS[spec.name] = spec
    return spec


for _spec in (
    MethodSpec("integrated_gradients", "Integrated Gradients", IntegratedGradients,
               is_gradient_based=True, needs_baseline=True, has_convergence_delta=True),
    MethodSpec("deeplift", "DeepLift", DeepLift, is_gradient_based=True, needs_baseline=True,
               has_convergence_delta=True),
    MethodSpec("deeplift_shap", "DeepLiftShap", DeepLiftShap, is_gradient_based=True,
               needs_baseline=True, baseline_distribution=True, has_convergence_delta=True),
    MethodSpec("gradient_shap", "GradientShap", GradientShap, is_gradient_based=True,
               needs_baseline=True, baseline_distribution=True, has_convergence_delta=True),
    MethodSpec("saliency", "Saliency (signed gradient)", lambda f: Saliency(f),
               is_gradient_based=True, needs_baseline=False, multiplies_by_inputs=False),
    MethodSpec("feature_ablation", "Feature Ablation", FeatureAblation, is_gradient_based=False,
               needs_baseline=True, uses_feature_mask=True),
    MethodSpec("shapley_value_sampling", "Shapley Value Sampling", ShapleyValueSampling,
               is_gradient_based=False, needs_baseline=True, uses_feature_mask=True),
    MethodSpec("kernel_shap", "KernelShap", KernelShap, is_gradient_based=False,
               needs_baseline=True, uses_feature_mask=True),
):
    register_method(_spec)


def summed_gradients(forward_fn: Callable[..., torch.Tensor], inputs: tuple[torch.Tensor, ...],
                     target_ind: Any = None,
                     additional_forward_args: Any = None) -> tuple[torch.Tensor, ...]:
    """Captum's ``compute_gradients`` with one backward pass of the summed outputs.

    Captum differentiates ``torch.unbind(outputs)``: one autograd root per row, whose Python
    overhead (a ``ones_like`` per root) dominated Integrated Gradients on small models. The
    gradient of the sum is the same quantity (autograd sums the roots' gradients either way);
    ``tests/unit/explain`` checks that the attributions equal captum's default.
    """
    with torch.autograd.set_grad_enabled(True):
        outputs = _run_forward(forward_fn, inputs, target_ind, additional_forward_args)
        return torch.autograd.grad(outputs.sum(), inputs)


class ExplainedOutput(torch.nn.Module):
    """The quantity explained: a model's logits, each logit's margin over the others' mean, or
    each class's probability.

    For a two-class model the margin of class 1 is ``logit_1 - logit_0``, the log-odds of
    class 1. Margins and logits are linear in the logits, so every attribution rule treats them
    exactly. A model with one output ``z`` (the logit of class 1, as trained with
    ``BCEWithLogitsLoss``) is the two-class model with logits ``(0, z)``: the margin of class 1
    is ``z`` and of class 0 ``-z``, the probability of class 1 is ``sigmoid(z)``; so target 1
    explains the logit itself, on output index 0 of the model. A model that outputs
    probabilities (``scores="probabilities"``: one column ``p`` of class 1, or one per class)
    is read through their logarithm (``logit(p)`` for one column), which gives the same margins
    and probabilities.

    Parameters
    ----------
    model : torch.nn.Module
    output : {"margin", "logit", "probability"}
    scores : {"logits", "probabilities"}
        What the model returns.

    Examples
    --------
    >>> one_logit = torch.nn.Linear(2, 1)
    >>> out = ExplainedOutput(one_logit)(torch.ones(3, 2))
    >>> out.shape, bool(torch.allclose(out[:, 1], one_logit(torch.ones(3, 2))[:, 0]))
    (torch.Size([3, 2]), True)
    """

    def __init__(self, model: torch.nn.Module, output: OutputKind = "margin",
                 scores: ScoresKind = "logits") -> None:
        super().__init__()
        self.model = model
        self.output = output
        self.scores = scores

    def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
        out = self.model(*inputs)
        logits = getattr(out, "logits", out)
        if logits.ndim == 1:
            logits = logits.unsqueeze(1)
        if self.scores == "probabilities":
            eps = torch.finfo(logits.dtype).eps
            logits = (torch.logit(logits, eps=eps) if logits.shape[-1] == 1
                      else torch.log(logits.clamp_min(eps)))
        if logits.ndim != 2:
            return logits
        if logits.shape[1] == 1:
            logits = torch.cat([torch.zeros_like(logits), logits], dim=1)
        if self.output == "probability":
            return torch.softmax(logits, dim=1)
        if self.output == "logit":
            return logits
        others = (logits.sum(dim=1, keepdim=True) - logits) / (logits.shape[1] - 1)
        return logits - others


def model_width(model: torch.nn.Module, inputs: torch.Tensor) -> int:
    """Number of outputs of ``model`` on a row of ``inputs`` (1 for a one-logit model)."""
    with torch.no_grad():
        out = model(inputs[:1])
    out = getattr(out, "logits", out)
    return 1 if out.ndim == 1 else int(out.shape[-1])


@dataclass(frozen=True)
class Explanation:
    """What :meth:`Explainer.explain` returns (always this shape).

    Attributes
    ----------
    attributions : torch.Tensor
        ``(n_rows, n_features)`` attribution of each encoded column, on the CPU. Methods that
        perturb feature groups together spread a group's attribution evenly over its columns,
        so summing a group's columns gives the group's attribution for every method.
    convergence_delta : torch.Tensor or None
        ``(n_rows,)`` completeness error for methods with ``has_convergence_delta``, else None.
    method : str
        Method name, with the smoothing when used (``"saliency+smoothgrad"``).
    target : int
    baseline : str
        The baseline, stated in words.
    batch_size : int
        Expanded rows evaluated per pass (after any out-of-memory retries).
    """

    attributions: torch.Tensor
    convergence_delta: torch.Tensor | None
    method: str
    target: int
    baseline: str
    batch_size: int


def _describe_baseline(baselines: Any) -> str:
    if baselines is None:
        return "zeros"
    if isinstance(baselines, Baseline):
        return baselines.description
    if isinstance(baselines, (tuple, list)):
        return f"given tensors of shapes {[tuple(torch.as_tensor(b).shape) for b in baselines]}"
    return f"given tensor of shape {tuple(torch.as_tensor(baselines).shape)}"


class Explainer:
    """Attribute a classifier's output to its input columns with one captum method.

    Parameters
    ----------
    model : torch.nn.Module or audit.models.ModelAdapter
        Maps ``(n, n_features)`` float rows to ``(n, n_classes)`` logits (one logit: read as
        ``[0, z]``). A bound adapter is explained on the dataset's encoded rows
        (``adapter.opaque()``: a callable or a model with its own inputs, for the perturbation
        methods; its own inputs: ``adapter.own_inputs()``).
    method : str
        A name in :data:`METHODS`: ``"integrated_gradients"``, ``"deeplift"``,
        ``"deeplift_shap"``, ``"gradient_shap"``, ``"saliency"``, ``"feature_ablation"``,
        ``"shapley_value_sampling"``, ``"kernel_shap"``.
    baselines : torch.Tensor, optional
        Reference input: ``(n_features,)`` or ``(1, n_features)`` for single-baseline
        methods, ``(k, n_features)`` with ``k >= 2`` training rows for SHAP-style methods.
        Single-baseline methods default to zeros.
    baseline_description : str, optional
        The baseline in words, for reports (e.g. ``"training mean"``).
    feature_groups : mapping of str to sequence of int, optional
        Original feature to its encoded columns; perturbation methods perturb a group together.
    output : {"margin", "logit"}
        Explain each class's margin over the other logits (log-odds for two classes), or the raw
        logit.
    smoothing : {"none", "smoothgrad", "smoothgrad_sq", "vargrad"}
        Wrap the method in captum's ``NoiseTunnel``.
    n_steps, n_samples, kernel_shap_samples, smoothing_samples : int
        Integration steps (IG), samples (GradientShap, Shapley sampling), KernelShap samples,
        NoiseTunnel samples.
    smoothing_stdev : float
        Noise of NoiseTunnel (and GradientShap), in units of the inputs.
    internal_batch_size : int or "auto"
        Expanded rows per forward/backward pass; ``"auto"`` sizes it from free memory and the
        model's activations (see :mod:`audit.explain._batching`). Out-of-memory passes are
        retried with half the batch.
    cpu_threads : int, "auto" or None
        torch intra-op threads during the call on the CPU, restored afterwards. ``"auto"``
        uses one thread for small models (activations under 256 KiB per row), where thread-pool
        overhead outweighs the parallel work (7x slower with two threads on a busy 2-core
        CPU); None leaves torch's setting. ``torch.set_num_threads`` is process-wide.
    seed : int
        Seeds the sampling of stochastic methods; the global RNG state is left untouched.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Linear(3, 2)
    >>> ex = Explainer(model, "integrated_gradients")
    >>> ex.has_convergence_delta, ex.needs_baseline, ex.is_gradient_based
    (True, True, True)
    >>> result = ex.explain(torch.ones(4, 3), target=1)
    >>> tuple(result.attributions.shape), tuple(result.convergence_delta.shape)
    ((4, 3), (4,))
    """

    def __init__(
        self,
        model: torch.nn.Module,
        method: MethodName | str = "integrated_gradients",
        *,
        baselines: torch.Tensor | Baseline | tuple[torch.Tensor, ...] | None = None,
        baseline_description: str | None = None,
        feature_groups: Mapping[str, Sequence[int]] | None = None,
        output: OutputKind = "margin",
        scores: ScoresKind = "logits",
        smoothing: SmoothingName = "none",
        n_steps: int = 50,
        n_samples: int = 25,
        kernel_shap_samples: int = 100,
        smoothing_samples: int = 10,
        smoothing_stdev: float = 0.1,
        internal_batch_size: int | Literal["auto"] = "auto",
        cpu_threads: int | Literal["auto"] | None = "auto",
        seed: int = 0,
    ) -> None:
        if method not in METHODS:
            raise ExplainError("method", f"one of {sorted(METHODS)}", repr(method),
                               "choose a registered method or add one with register_method")
        if output not in ("margin", "logit", "probability"):
            raise ExplainError("output", "'margin', 'logit' or 'probability'", repr(output),
                               "pick one of them")
        if scores not in ("logits", "probabilities"):
            raise ExplainError("scores", "'logits' or 'probabilities' (what the model returns)",
                               repr(scores), "pick one of them")
        if smoothing not in ("none", "smoothgrad", "smoothgrad_sq", "vargrad"):
            raise ExplainError("smoothing", "'none', 'smoothgrad', 'smoothgrad_sq' or 'vargrad'",
                               repr(smoothing), "pick one of them")
        if cpu_threads not in ("auto", None) and (
                not isinstance(cpu_threads, int) or cpu_threads < 1):
            raise ExplainError("cpu_threads", "'auto', None or a positive int", repr(cpu_threads),
                               "pass 'auto' (recommended)")
        if internal_batch_size != "auto" and (
                not isinstance(internal_batch_size, int) or internal_batch_size < 1):
            raise ExplainError("internal_batch_size", "'auto' or a positive int",
                               repr(internal_batch_size), "pass 'auto' (recommended)")
        if hasattr(model, "capabilities") and hasattr(model, "opaque"):  # a ModelAdapter
            model = model.opaque()
        self.model = model
        self.spec = METHODS[method]
        self.method = method
        self.output = output
        self.scores = scores
        self.smoothing = smoothing
        # a Baseline is kept whole for models with embeddings (the mean is rebuilt as the mean
        # embedding); everything else reads its values
        self._baseline_spec = baselines if isinstance(baselines, Baseline) else None
        if isinstance(baselines, Baseline):
            baseline_description = baseline_description or baselines.description
            baselines = baselines.values
        self.baselines = baselines
        self.baseline_description = baseline_description or _describe_baseline(baselines)
        self.feature_groups = dict(feature_groups) if feature_groups is not None else None
        self.n_steps = int(n_steps)
        self.n_samples = int(n_samples)
        self.kernel_shap_samples = int(kernel_shap_samples)
        self.smoothing_samples = int(smoothing_samples)
        self.smoothing_stdev = float(smoothing_stdev)
        self.internal_batch_size = internal_batch_size
        self.cpu_threads = cpu_threads
        self.seed = int(seed)
        self._differentiable_checked = False
        self._views: dict[tuple, tuple[EmbeddingView | None, Explainer | None]] = {}

    # capability flags (captum style) -------------------------------------------------
    @property
    def name(self) -> str:
        """Method name, with the smoothing when used (``"saliency+smoothgrad"``)."""
        return self.method if self.smoothing == "none" else f"{self.method}+{self.smoothing}"

    @property
    def label(self) -> str:
        """Human name of the method."""
        return self.spec.label if self.smoothing == "none" else (
            f"{self.spec.label} + NoiseTunnel ({self.smoothing})")

    @property
    def has_convergence_delta(self) -> bool:
        return self.spec.has_convergence_delta and self.smoothing == "none"

    @property
    def needs_baseline(self) -> bool:
        return self.spec.needs_baseline

    @property
    def is_gradient_based(self) -> bool:
        return self.spec.is_gradient_based

    @property
    def multiplies_by_inputs(self) -> bool:
        return self.spec.multiplies_by_inputs

    @property
    def uses_feature_mask(self) -> bool:
        return self.spec.uses_feature_mask

    def with_model(self, model: torch.nn.Module) -> Explainer:
        """The same explainer (method, baselines, options) over another model."""
        clone = object.__new__(Explainer)
        clone.__dict__.update(self.__dict__)
        clone.model = model
        clone._differentiable_checked = False
        clone._views = {}
        return clone

    # the one verb --------------------------------------------------------------------
    def explain(self, inputs: torch.Tensor | tuple[torch.Tensor, ...], *, target: int = 1,
                baselines: torch.Tensor | Baseline | tuple[torch.Tensor, ...] | None = None,
                rows: Sequence[int] | None = None) -> Explanation:
        """Attribute the ``target`` output to each column of ``inputs``.

        Parameters
        ----------
        inputs : torch.Tensor or tuple of torch.Tensor
            ``(n_rows, n_features)`` rows (moved to the model's device), or a tuple of 2-D
            tensors with as many rows each for a model with several inputs
            (``forward(numeric, categorical)``); columns are then numbered across the tuple.
            Columns of integer codes that the model looks up in an ``nn.Embedding`` are
            attributed on the embedding's output, summed over its dimensions (see
            :mod:`audit.explain._embeddings`).
        target : int
            Class index whose output is explained. A one-logit model (the logit of class 1)
            is the two-class model with logits ``(0, logit)``: target 1 explains the logit.
        baselines : torch.Tensor, Baseline or tuple of torch.Tensor, optional
            Overrides the explainer's baselines for this call (same shapes as in the
            constructor, or ``(n_rows, n_features)`` for single-baseline methods). For a model
            with embeddings, rows of the inputs (embedded columns holding codes) or rows of
            :meth:`encode` (embedded columns as vectors).
        rows : sequence of int, optional
            Explain only these rows of ``inputs``.

        Returns
        -------
        Explanation

        Raises
        ------
        RowsNotFoundError, TargetOutOfRangeError, BaselineShapeError, NotDifferentiableError
        NotAttributableError
            A gradient method on integer columns that no embedding reads (their gradient is 0
            whatever the model does with them): never a silent zero.
        EmbeddingInputError
            An embedding whose indices are no input column (see :func:`embedding_view`).

        Examples
        --------
        >>> import torch
        >>> ex = Explainer(torch.nn.Linear(3, 2), "feature_ablation",
        ...                feature_groups={"a": (0,), "b": (1, 2)})
        >>> ex.explain(torch.ones(5, 3), rows=[0, 4]).attributions.shape
        torch.Size([2, 3])
        """
        view = self.view(inputs)
        if view is not None:
            return self._explain_through(view, inputs, target, baselines, rows)
        inputs = self._check_inputs(inputs)
        if rows is not None:
            inputs = inputs[self._check_rows(rows, len(inputs))]
        device = _model_device(self.model)
        inputs = inputs.to(device)
        forward = ExplainedOutput(self.model, self.output, self.scores)
        was_training = self.model.training
        threads = torch.get_num_threads()
        self.model.eval()
        try:
            wanted = self._threads(forward, inputs)
            if wanted is not None and wanted != threads:
                torch.set_num_threads(wanted)
            target = self._check_target(forward, inputs, target)
            base = baselines if baselines is not None else self.baselines
            base = self._check_baselines(base.values if isinstance(base, Baseline) else base,
                                         inputs)
            if self.is_gradient_based and not self._differentiable_checked:
                check_differentiable(forward, inputs, target, self.method)
                self._differentiable_checked = True
            if len(inputs) == 0:
                empty = torch.zeros(0, inputs.shape[1])
                return Explanation(empty, torch.zeros(0) if self.has_convergence_delta else None,
                                   self.name, target, self._baseline_text(baselines), 0)
            candidates: list[int] = []
            if self.internal_batch_size != "auto":
                batch = int(self.internal_batch_size)
            elif self._tuning_key(inputs) in _TUNED:
                batch = _TUNED[self._tuning_key(inputs)]
            else:
                batch = auto_batch_size(forward, inputs)
                candidates = tuning_candidates(batch, memory_cap(forward, inputs),
                                               len(inputs) * self.expansion)
            algorithm = self.spec.build(forward)
            if hasattr(algorithm, "gradient_func"):
                algorithm.gradient_func = summed_gradients
            if self.smoothing != "none":
                algorithm = NoiseTunnel(algorithm)
            mask = (feature_mask(self.feature_groups, inputs.shape[1]).to(device)
                    if self.uses_feature_mask and self.feature_groups is not None else None)
            per_row_base = base is not None and not self.spec.baseline_distribution and \
                base.shape[0] == len(inputs) and len(inputs) > 1

            n = len(inputs)
            if self.method == "integrated_gradients" and self.smoothing == "none":
                # captum batches IG's steps itself (internal_batch_size): a chunk of up to
                # batch_size rows runs batch_size // rows steps per pass. Tuning chunks share
                # one row count so that every candidate pays the same per-call overhead.
                rows_for = lambda size: min(n, size)  # noqa: E731
                tuning_rows = (max(1, min(n // (len(candidates) + 1), candidates[0]))
                               if candidates else None)
            else:
                rows_for = lambda size: max(1, size // self.expansion)  # noqa: E731
                tuning_rows = None
                candidates = [c for c in candidates if c // self.expansion <= n // 2]
                candidates = candidates if len(candidates) >= 2 else []

            def step(start: int, stop: int, batch_size: int):
                chunk_base = base[start:stop] if per_row_base else base
                return self._attribute(algorithm, inputs[start:stop], target, chunk_base, mask,
                                       batch_size)

            with _seeded(self.seed, device), warnings.catch_warnings():
                for message in _EXPECTED_WARNINGS:
                    warnings.filterwarnings("ignore", message=message)
                with torch.enable_grad():
                    parts, batch = run_chunked(step, len(inputs), batch, rows_for=rows_for,
                                               candidates=candidates, tuning_rows=tuning_rows)
            if candidates:
                _TUNED[self._tuning_key(inputs)] = batch
        finally:
            self.model.train(was_training)
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
        attributions = torch.cat([p[0] for p in parts]).detach().float().cpu()
        if mask is not None:
            # captum gives every column of a masked group the group's whole attribution;
            # spread it evenly so that a sum over the group's columns is the group's value
            sizes = torch.bincount(mask[0].cpu())[mask[0].cpu()].float()
            attributions = attributions / sizes
        # SHAP-style methods return one delta per (row, baseline or sample): average per row,
        # which is the completeness error of the averaged attribution
        delta = (torch.cat([p[1].reshape(len(p[0]), -1).mean(dim=1) for p in parts]).detach()
                 .float().cpu() if self.has_convergence_delta else None)
        return Explanation(attributions, delta, self.name, target,
                           self._baseline_text(baselines), batch)

    # models with embeddings or several inputs ---------------------------------------
    def view(self, inputs: Any) -> EmbeddingView | None:
        """The :class:`~audit.explain._embeddings.EmbeddingView` used for ``inputs``, or None
        for float rows of a model without embeddings (cached per input structure)."""
        if isinstance(self.model, EmbeddedForward):
            return None
        is_tuple = isinstance(inputs, (tuple, list))
        tensors = tuple(torch.as_tensor(t) for t in inputs) if is_tuple else (
            torch.as_tensor(inputs),)
        if not is_tuple and tensors[0].is_floating_point() and not has_embeddings(self.model):
            return None
        key = (is_tuple, tuple((tuple(t.shape[1:]), t.dtype) for t in tensors))
        if key not in self._views:
            self._views[key] = (embedding_view(self.model, inputs), None)
        return self._views[key][0]

    def encode(self, inputs: Any) -> torch.Tensor:
        """``inputs`` in attribution space: embedded columns as their embedding vectors, plain
        columns as they are, a tuple of inputs concatenated. Float rows of a model without
        embeddings are returned as they are.

        Examples
        --------
        >>> ex = Explainer(torch.nn.Linear(3, 2))
        >>> ex.encode(torch.ones(2, 3)).shape
        torch.Size([2, 3])
        """
        view = self.view(inputs)
        return (view.encode(inputs) if view is not None
                else torch.as_tensor(inputs, dtype=torch.float32))

    def _baselines_in(self, view: EmbeddingView, base: Any) -> torch.Tensor | None:
        if isinstance(base, Baseline):
            if base.kind == "mean" and base.rows is not None:
                return view.encode(base.rows).mean(dim=0, keepdim=True)
            if base.kind == "zeros":
                return torch.zeros(1, view.width)
            base = base.values
        return view.encode_baselines(base)

    def _inner(self, view: EmbeddingView) -> Explainer:
        """This explainer over ``view.module``: attribution-space rows, groups and baselines."""
        for key, (cached, inner) in self._views.items():
            if cached is view:
                if inner is None:
                    if self.feature_groups is not None:
                        validate_groups(self.feature_groups, view.n_columns)
                    inner = self.with_model(view.module)
                    inner.feature_groups = view.groups(self.feature_groups)
                    spec = self._baseline_spec
                    inner.baselines = self._baselines_in(
                        view, spec if spec is not None and spec.values is self.baselines
                        else self.baselines)
                    if self.baselines is None:
                        inner.baseline_description = (
                            "zeros (embedded columns: the zero vector, no category)")
                    self._views[key] = (view, inner)
                return inner
        raise KeyError("view not cached")  # pragma: no cover (views come from self.view)

    def _explain_through(self, view: EmbeddingView, inputs: Any, target: Any, baselines: Any,
                         rows: Sequence[int] | None) -> Explanation:
        if self.is_gradient_based and view.not_attributable:
            columns = sorted(view.not_attributable)
            names = ", ".join(self._column_name(view, c) for c in columns)
            raise NotAttributableError(
                names, "columns a gradient can reach: floats, or integer codes that an "
                "nn.Embedding reads", f"{view.not_attributable[columns[0]]} ({names})",
                "look those codes up in an nn.Embedding, pass them as floats if they are "
                f"numbers, or use a perturbation method instead of {self.method} "
                "(feature_ablation, shapley_value_sampling or kernel_shap, which replace the "
                "codes by the baseline's)")
        inner = self._inner(view)
        z = view.encode(inputs)
        base = self._baselines_in(view, baselines) if baselines is not None else None
        explanation = inner.explain(z, target=target, baselines=base, rows=rows)
        return Explanation(view.to_columns(explanation.attributions),
                           explanation.convergence_delta, explanation.method,
                           explanation.target, explanation.baseline, explanation.batch_size)

    def _column_name(self, view: EmbeddingView, column: int) -> str:
        for name, columns in (self.feature_groups or {}).items():
            if column in {int(c) for c in columns}:
                return f"{view.describe(column)} ({name!r})"
        return view.describe(column)

    def _threads(self, forward: torch.nn.Module, inputs: torch.Tensor) -> int | None:
        """Intra-op threads for this call on the CPU (None: leave torch's setting)."""
        if inputs.device.type != "cpu" or self.cpu_threads is None:
            return None
        if self.cpu_threads != "auto":
            return int(self.cpu_threads)
        if len(inputs) == 0:
            return None
        small = activation_bytes_per_row(forward, inputs) <= SMALL_MODEL_BYTES_PER_ROW
        return 1 if small else None

    def _tuning_key(self, inputs: torch.Tensor) -> tuple:
        return (id(self.model), self.name, inputs.shape[1], self.expansion, str(inputs.device),
                torch.get_num_threads())

    @property
    def expansion(self) -> int:
        """Expanded rows evaluated together per input row (steps, samples, baseline rows)."""
        factor = {"integrated_gradients": self.n_steps, "gradient_shap": self.n_samples,
                  "deeplift_shap": (len(torch.as_tensor(self.baselines[0])) if isinstance(
                      self.baselines, (tuple, list)) else len(self.baselines))
                  if self.baselines is not None else 1,
                  "deeplift": 2}.get(self.method, 1)
        if self.smoothing != "none":
            factor *= self.smoothing_samples
        return max(factor, 1)

    def _baseline_text(self, override: torch.Tensor | None) -> str:
        if not self.needs_baseline:
            return "none (local gradient)"
        return _describe_baseline(override) if override is not None else self.baseline_description

    def _attribute(self, algorithm: Any, x: torch.Tensor, target: int,
                   base: torch.Tensor | None, mask: torch.Tensor | None,
                   batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        kwargs: dict[str, Any] = {"target": target}
        method = self.method
        if self.is_gradient_based:
            x = x.detach().requires_grad_(True)
        n = len(x)
        if self.needs_baseline:
            kwargs["baselines"] = base if base is not None else torch.zeros(1, x.shape[1],
                                                                             device=x.device)
        if method == "integrated_gradients":
            kwargs["n_steps"] = self.n_steps
            if n * self.n_steps > batch_size:
                kwargs["internal_batch_size"] = max(n, batch_size)
        elif method == "saliency":
            kwargs["abs"] = False
        elif method == "gradient_shap":
            kwargs["n_samples"] = self.n_samples
            kwargs["stdevs"] = 0.0
        elif method in ("feature_ablation", "shapley_value_sampling", "kernel_shap"):
            n_groups = int(mask.max()) + 1 if mask is not None else x.shape[1]
            limit = self.kernel_shap_samples if method == "kernel_shap" else n_groups
            if method == "kernel_shap":
                kwargs["n_samples"] = self.kernel_shap_samples
            elif method == "shapley_value_sampling":
                kwargs["n_samples"] = self.n_samples
            # KernelShap fits one surrogate per row (captum loops over rows): size per row
            per_eval = batch_size if method == "kernel_shap" else batch_size // n
            kwargs["perturbations_per_eval"] = int(max(1, min(per_eval, limit)))
            if mask is not None:
                kwargs["feature_mask"] = mask
        if self.has_convergence_delta:
            kwargs["return_convergence_delta"] = True
        if self.smoothing != "none":
            kwargs.update(nt_type=self.smoothing, nt_samples=self.smoothing_samples,
                          stdevs=self.smoothing_stdev,
                          nt_samples_batch_size=max(1, min(self.smoothing_samples,
                                                           batch_size // max(n, 1))))
            if method == "integrated_gradients":
                kwargs.pop("internal_batch_size", None)
        out = algorithm.attribute(x, **kwargs)
        if self.has_convergence_delta:
            return out[0], out[1]
        return out, None

    # validation ----------------------------------------------------------------------
    def _check_inputs(self, inputs: Any) -> torch.Tensor:
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.as_tensor(inputs)
        if inputs.ndim != 2:
            raise ExplainError("inputs", "a 2-D tensor of shape (n_rows, n_features)",
                               f"shape {tuple(inputs.shape)}",
                               "pass encoded rows, e.g. dataset.test.X[:100]")
        if self.feature_groups is not None:
            validate_groups(self.feature_groups, inputs.shape[1])
        return inputs.float()

    @staticmethod
    def _check_rows(rows: Sequence[int], n_rows: int) -> torch.Tensor:
        rows = [int(r) for r in rows]
        missing = [r for r in rows if not 0 <= r < n_rows]
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            raise RowsNotFoundError(
                "rows", f"row indices in [0, {n_rows - 1}] ({n_rows} rows)",
                f"{len(missing)} missing: {shown}",
                "pick rows that exist (indices count from 0) or pass more rows")
        return torch.as_tensor(rows, dtype=torch.long)

    def _check_target(self, forward: torch.nn.Module, inputs: torch.Tensor, target: Any) -> int:
        probe = inputs[:1] if len(inputs) else torch.zeros(1, inputs.shape[1],
                                                           device=inputs.device)
        with torch.no_grad():
            width = forward(probe).shape[-1]
        raw = model_width(self.model, probe)
        what = (f"the model has {raw} outputs" if raw > 1 else "the model has one output, the "
                "logit of class 1: target 1 explains it, target 0 its negation")
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < width:
            raise TargetOutOfRangeError(
                "target", f"a class index in [0, {width - 1}] ({what})", repr(target),
                "pass target=1 for the positive class of a binary model")
        if raw == 1 and target == 0 and self.output == "logit":
            raise TargetOutOfRangeError(
                "target", "target=1 with output='logit' for a one-logit model (its class-0 "
                "logit is the constant 0, so every attribution would be 0)", "target=0",
                "explain target=1, or use output='margin' (class 0: minus the logit)")
        return target

    def _check_baselines(self, base: torch.Tensor | None,
                         inputs: torch.Tensor) -> torch.Tensor | None:
        if not self.needs_baseline:
            return None
        width = inputs.shape[1]
        if base is None:
            if self.spec.baseline_distribution:
                raise BaselineShapeError(
                    f"baselines of {self.method}",
                    f"a distribution of reference rows, shape (k >= 2, {width})", "no baselines",
                    "pass baselines=make_baselines(X_train, 'sample') (training rows)")
            return None
        base = torch.as_tensor(base, dtype=torch.float32).to(inputs.device)
        if base.ndim == 1:
            base = base.unsqueeze(0)
        if self.spec.baseline_distribution:
            ok = base.ndim == 2 and base.shape[1] == width and base.shape[0] >= 2
            expected = f"shape (k >= 2, {width}): several training rows"
        else:
            ok = base.ndim == 2 and base.shape[1] == width and base.shape[0] in (1, len(inputs))
            expected = f"shape ({width},), (1, {width}) or ({len(inputs)}, {width})"
        if not ok:
            raise BaselineShapeError(
                f"baselines of {self.method}", expected, f"shape {tuple(base.shape)}",
                "build baselines with make_baselines(X_train, kind) from the encoded "
                "training rows")
        return base


def check_differentiable(forward: torch.nn.Module, inputs: torch.Tensor, target: int,
                         method: str) -> None:
    """Raise :class:`NotDifferentiableError` unless ``target`` has a usable input gradient.

    Two failures are caught on up to 16 probe rows: the output is not connected to the inputs
    in autograd (``torch.no_grad``, ``.detach()``, numpy inside ``forward``), or its gradient is
    zero on every probe row (a step function such as ``round`` or a threshold).
    """
    probe = inputs[:16].detach().clone().requires_grad_(True)
    still = ", ".join(sorted(n for n, s in METHODS.items() if not s.is_gradient_based))
    fix = f"use a perturbation method ({still}), or make forward differentiable"
    with torch.enable_grad():
        try:
            out = forward(probe)[:, target].sum()
        except RuntimeError as exc:
            raise NotDifferentiableError(
                f"model for {method}", "a forward pass that autograd can differentiate",
                f"an error: {str(exc).splitlines()[0]}", fix) from None
        if not out.requires_grad:
            raise NotDifferentiableError(
                f"model for {method}", "an output connected to the inputs in autograd",
                "an output without gradient (no_grad, detach or numpy inside forward)", fix)
        (grad,) = torch.autograd.grad(out, probe, allow_unused=True)
    if grad is None or not bool(torch.any(grad != 0)):
        raise NotDifferentiableError(
            f"model for {method}", "a non-zero input gradient on some rows",
            f"a zero gradient on all {len(probe)} probe rows (a step function such as round "
            "or a threshold)", fix)


_HOOK_DICTS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks", "_backward_pre_hooks")


def without_hooks(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` itself when no module carries hooks, else a deep copy without any hooks.

    Training wrappers hook the user's modules (opacus's per-sample-gradient hooks fail on the
    backward pass of an attribution: "pop from empty list"). The copy is made with the hook
    dictionaries set aside, so the original keeps its hooks and nothing of them is copied.

    Examples
    --------
    >>> net = torch.nn.Linear(2, 2)
    >>> without_hooks(net) is net
    True
    """
    modules = list(model.modules())
    if not any(getattr(m, name, None) for m in modules for name in _HOOK_DICTS):
        return model
    saved = {id(m): {name: getattr(m, name) for name in _HOOK_DICTS if hasattr(m, name)}
             for m in modules}
    try:
        for m in modules:
            for name in saved[id(m)]:
                setattr(m, name, type(saved[id(m)][name])())
        return copy.deepcopy(model)
    finally:
        for m in modules:
            for name, value in saved[id(m)].items():
                setattr(m, name, value)


def _model_device(model: torch.nn.Module) -> torch.device:
    param = next(iter(model.parameters()), None)
    return param.device if param is not None else torch.device("cpu")


@contextlib.contextmanager
def _seeded(seed: int, device: torch.device) -> Iterator[None]:
    """Seed torch and numpy (captum's GradientShap draws from numpy) and restore both after."""
    devices = [device.index or 0] if device.type == "cuda" else []
    numpy_state = np.random.get_state()
    try:
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            np.random.seed(seed % 2**32)
            yield
    finally:
        np.random.set_state(numpy_state)
