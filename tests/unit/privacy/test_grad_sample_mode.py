"""Which grad-sample mode ``auto`` picks: book-keeping where it is exact, hooks for recurrent models."""

from __future__ import annotations

import torch
from opacus.layers import DPLSTM

from audit.dp import choose_grad_sample_mode
from audit.privacy import PrivacyConfig


class _Recurrent(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = DPLSTM(4, 8, batch_first=True)
        self.head = torch.nn.Linear(8, 2)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def test_linear_model_gets_bookkeeping():
    mlp = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    assert choose_grad_sample_mode(mlp, PrivacyConfig(noise_multiplier=1.0)) == "bookkeeping"


def test_dplstm_gets_hooks_because_its_linear_gates_run_once_per_time_step():
    # every trainable layer of DPLSTM is an nn.Linear, which alone would pick book-keeping
    assert choose_grad_sample_mode(_Recurrent(), PrivacyConfig(noise_multiplier=1.0)) == "hooks"


def test_an_explicit_mode_is_kept():
    config = PrivacyConfig(noise_multiplier=1.0, grad_sample_mode="ghost")
    assert choose_grad_sample_mode(_Recurrent(), config) == "ghost"
