"""Config of the text-models audit (the ``audits.text_models`` block)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from audit.core import StrictConfig as _Strict


class DistillationConfig(_Strict):
    """Distil the trained model (the teacher) into a small student, audit both."""

    enabled: bool = False
    student: Literal["pooling", "lstm"] = "pooling"
    temperature: float = Field(2.0, gt=0.0)
    alpha: float = Field(0.5, ge=0.0, le=1.0, description="weight of the soft (teacher) loss")
    epochs: int = Field(5, gt=0)
    batch_size: int = Field(64, gt=0)
    learning_rate: float = Field(1e-3, gt=0.0)
    student_alone: bool = Field(True, description="also train the student on labels only")
    max_accuracy_drop: float = Field(0.02, ge=0.0, description="'kept the accuracy' tolerance")
    transfer: Literal["train", "full_train"] = Field(
        "train", description="texts the teacher labels for the student: the teacher's own training "
                             "rows, or the whole training split when data.text.max_train_examples "
                             "trained the teacher on a subset (same validation and test rows)")


class TextModelsAuditConfig(_Strict):
    """Baselines and distillation of a text audit; ``enabled: false`` skips it."""

    enabled: bool = False
    baselines: bool = True
    distillation: DistillationConfig = Field(default_factory=DistillationConfig)
