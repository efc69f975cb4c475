"""Knowledge distillation (Hinton et al., 2015) through the one training core: a student learns
from the teacher's softened probabilities and the true labels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from audit.errors import ConfigError
from audit.text._data import TextDataset
from audit.text._train import predict_logits, train_text_model
from audit.training import TrainingRun


def distillation_loss(temperature: float = 2.0, alpha: float = 0.5
                      ) -> Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]:
    """``alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, labels)``.

    ``T`` softens both distributions (``softmax(logits / T)``); the ``T^2`` factor keeps the
    soft-target gradients on the scale of the hard-label ones. Pass it as ``fit(loss_fn=...)``
    with batches whose third element is the teacher's logits.

    Examples
    --------
    >>> loss = distillation_loss(2.0, 1.0)
    >>> z = torch.tensor([[1.0, -1.0]])
    >>> float(loss(z, torch.tensor([0]), z))
    0.0
    """
    if not temperature > 0 or not 0.0 <= alpha <= 1.0:
        raise ConfigError("distillation", "temperature > 0 and alpha in [0, 1]",
                          f"temperature {temperature}, alpha {alpha}",
                          "use e.g. temperature 2.0, alpha 0.5")

    def loss(logits: torch.Tensor, labels: torch.Tensor, teacher_logits: torch.Tensor
             ) -> torch.Tensor:
        soft = F.kl_div(F.log_softmax(logits / temperature, dim=1),
                        F.log_softmax(teacher_logits.to(logits.dtype) / temperature, dim=1),
                        reduction="batchmean", log_target=True) * temperature ** 2
        return alpha * soft + (1.0 - alpha) * F.cross_entropy(logits, labels)
    return loss


def distil(teacher: torch.nn.Module, student: torch.nn.Module, dataset: TextDataset, *,
           temperature: float = 2.0, alpha: float = 0.5, teacher_batch_size: int = 64,
           **fit_kwargs: Any) -> TrainingRun:
    """Train ``student`` on ``dataset.train`` against ``teacher``'s logits (computed once).

    Examples
    --------
    >>> import pandas as pd
    >>> from audit.text import build_text_dataset, load_tokenizer
    >>> reviews = pd.DataFrame({"review": ["a fine film", "a dull film", "great acting", "a poor plot",
    ...                                    "a lovely score", "an awful script"] * 6,
    ...                         "label": [1, 0] * 18})
    >>> ds = build_text_dataset(reviews, reviews, text="review", target="label",
    ...                         tokenizer=load_tokenizer())
    >>> import torch
    >>> from audit.text import PoolingClassifier, train_text_model
    >>> _ = torch.manual_seed(0)
    >>> teacher = PoolingClassifier(ds.vocab_size, embedding_dim=8, hidden_size=8)
    >>> _ = train_text_model(teacher, ds, epochs=3, batch_size=8, learning_rate=0.05, progress=False)
    >>> student = PoolingClassifier(ds.vocab_size, embedding_dim=4, hidden_size=4)
    >>> run = distil(teacher, student, ds, epochs=3, batch_size=8, learning_rate=0.05,
    ...              progress=False)
    >>> len(run.history), sorted(run.history[-1].metrics)
    (3, ['epoch/seconds', 'train/loss', 'val/accuracy', 'val/loss'])
    """
    logits = torch.from_numpy(predict_logits(teacher, dataset.train, batch_size=teacher_batch_size,
                                             pad_id=dataset.pad_id))
    return train_text_model(student, dataset, train=dataset.train.with_extra(logits),
                            loss_fn=distillation_loss(temperature, alpha), **fit_kwargs)
