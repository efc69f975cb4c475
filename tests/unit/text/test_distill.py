"""Distillation loss against its definition, and a student that learns its teacher."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from audit.errors import ConfigError
from audit.models import PoolingClassifier
from audit.text import distil, distillation_loss, predict_text_proba, train_text_model


def test_loss_with_alpha_zero_is_cross_entropy():
    z, y, t = torch.randn(6, 2), torch.tensor([0, 1, 1, 0, 1, 0]), torch.randn(6, 2)
    torch.testing.assert_close(distillation_loss(3.0, 0.0)(z, y, t), F.cross_entropy(z, y))


def test_soft_term_is_t_squared_kl_of_softened_distributions():
    z, t = torch.randn(5, 2), torch.randn(5, 2)
    temperature = 2.5
    p_teacher = torch.softmax(t / temperature, dim=1)
    p_student = torch.softmax(z / temperature, dim=1)
    expected = (p_teacher * (p_teacher.log() - p_student.log())).sum(1).mean() * temperature ** 2
    got = distillation_loss(temperature, 1.0)(z, torch.zeros(5, dtype=torch.long), t)
    torch.testing.assert_close(got, expected)


def test_student_matching_teacher_has_zero_soft_loss():
    z = torch.randn(4, 2)
    assert float(distillation_loss(2.0, 1.0)(z, torch.zeros(4, dtype=torch.long), z)) == pytest.approx(0.0, abs=1e-7)


def test_bad_temperature_is_refused():
    with pytest.raises(ConfigError, match="temperature > 0"):
        distillation_loss(0.0, 0.5)


def test_student_learns_the_teacher(review_dataset):
    ds = review_dataset
    teacher = train_text_model(PoolingClassifier(ds.vocab_size, 16, 16), ds, epochs=8,
                               batch_size=32, learning_rate=1e-2, progress=False).model
    run = distil(teacher, PoolingClassifier(ds.vocab_size, 8, 8), ds, temperature=2.0, alpha=0.9,
                 epochs=8, batch_size=32, learning_rate=1e-2, progress=False)
    teacher_pred = predict_text_proba(teacher, ds.test) >= 0.5
    student_pred = predict_text_proba(run.model, ds.test) >= 0.5
    assert np.mean(teacher_pred == student_pred) > 0.85
    assert np.mean(student_pred == ds.test.y) > 0.7
