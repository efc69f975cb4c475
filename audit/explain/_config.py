"""Config of the explainability audit (the `audits.explainability` block of audit.yaml).

Kept free of heavy imports: `audit.config` imports it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import StrictConfig

#: Attribution methods the audit can run (all through captum).
MethodName = Literal[
    "integrated_gradients", "deeplift", "deeplift_shap", "gradient_shap", "saliency",
    "feature_ablation", "shapley_value_sampling", "kernel_shap",
]
#: NoiseTunnel smoothing applied on top of a gradient method ("none" = no smoothing).
SmoothingName = Literal["none", "smoothgrad", "smoothgrad_sq", "vargrad"]
#: Reference input of single-baseline methods (IG, DeepLift, ablation, Shapley, KernelShap).
BaselineKind = Literal["mean", "zeros"]
#: What is explained: the target logit, its margin over the mean of the other logits (for a
#: two-class or one-logit model: the log-odds of the target class), or its probability.
OutputKind = Literal["margin", "logit", "probability"]
#: What the model returns: logits (one per class, or one for class 1) or probabilities.
ScoresKind = Literal["logits", "probabilities"]
#: Trust checks that can be run.
CheckName = Literal["completeness", "infidelity", "sensitivity", "agreement", "randomisation"]

ALL_METHODS: tuple[str, ...] = (
    "integrated_gradients", "deeplift", "deeplift_shap", "gradient_shap", "saliency",
    "feature_ablation", "shapley_value_sampling", "kernel_shap",
)
#: Methods that differentiate the model (the rest perturb inputs and need only a forward pass).
GRADIENT_METHODS: tuple[str, ...] = (
    "integrated_gradients", "deeplift", "deeplift_shap", "gradient_shap", "saliency",
)
ALL_CHECKS: tuple[str, ...] = ("completeness", "infidelity", "sensitivity", "agreement",
                               "randomisation")


class ExplainabilityAuditConfig(StrictConfig):
    """Options of the explainability audit; ``enabled: false`` skips it.

    Attributions explain the ``output`` of class ``target`` on rows sampled from the test split.
    Integrated Gradients, DeepLift and Saliency run on ``n_rows`` rows; sampling and
    perturbation methods (DeepLiftShap, GradientShap, NoiseTunnel, ablation, Shapley sampling)
    on the first ``n_rows_perturbation`` of them, KernelShap on the first ``kernel_shap_rows``;
    method agreement compares the rows all methods share; trust checks use the first
    ``n_check_rows``.
    """

    enabled: bool = False
    methods: tuple[MethodName, ...] = ALL_METHODS
    primary_method: MethodName = "integrated_gradients"
    smoothing: SmoothingName = Field("smoothgrad", description="NoiseTunnel type")
    smoothed_methods: tuple[MethodName, ...] = Field(
        ("saliency",), description="gradient methods also run smoothed, as 'saliency+smoothgrad'")
    smoothing_samples: int = Field(10, gt=0)
    smoothing_stdev: float = Field(0.1, gt=0.0, description="in units of the standardised inputs")
    target: int = Field(1, ge=0, description="class index explained (1 = positive label)")
    output: OutputKind = "margin"
    baseline: BaselineKind = "mean"
    n_baseline_samples: int = Field(25, gt=1, description="training rows for SHAP-style methods")
    n_rows: int = Field(2000, gt=0)
    n_rows_perturbation: int = Field(300, gt=0)
    n_check_rows: int = Field(128, gt=0)
    rows: tuple[int, ...] = Field((), description="extra test-split rows to explain one by one")
    n_steps: int = Field(50, gt=1, description="integration steps of Integrated Gradients")
    n_samples: int = Field(25, gt=0, description="samples of GradientShap / Shapley sampling")
    kernel_shap_samples: int = Field(100, gt=0)
    kernel_shap_rows: int = Field(100, gt=0, description="KernelShap fits one model per row")
    internal_batch_size: int | Literal["auto"] = "auto"
    cpu_threads: int | None = Field(
        1, gt=0, description="torch intra-op threads while the audit runs (None: unchanged). "
                             "Tabular models are small: one thread avoids thread-pool overhead "
                             "and was 7x faster for the census section on a busy 2-core CPU")
    bootstrap_replicates: int = Field(1000, gt=0)
    checks: tuple[CheckName, ...] = ALL_CHECKS
    completeness_tolerance: float = Field(0.05, gt=0.0, description="max |delta| (output units)")
    infidelity_max: float = Field(0.5, gt=0.0, description="max relative infidelity")
    sensitivity_max: float = Field(0.5, gt=0.0, description="max captum sensitivity_max")
    agreement_min: float = Field(0.5, ge=-1.0, le=1.0, description="min median Spearman rho")
    randomisation_max: float = Field(0.5, ge=-1.0, le=1.0,
                                     description="max Spearman rho trained vs randomised")
    proxy_threshold: float = Field(0.3, ge=0.0, le=1.0, description="association flagged")
    min_group_size: int = Field(30, gt=0, description="groups smaller than this are flagged")
    text_rows: int = Field(300, gt=0, description="text runs: test texts explained word by word")
    deletion_k: int = Field(3, gt=0, description="text runs: words removed by the deletion check")
    deletion_repeats: int = Field(5, gt=0, description="text runs: random draws of as many words")
    min_word_count: int = Field(5, gt=0, description="text runs: fewest occurrences of a ranked word")
    top_words: int = Field(15, gt=0, description="text runs: words listed for and against the positive class")
    record_during_training: bool = True
    training_rows: int = Field(256, gt=0, description="validation rows explained per epoch")
    training_method: MethodName = "integrated_gradients"
