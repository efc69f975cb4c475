"""Regression: loss-attack scores ``z_y - logsumexp(z)`` rounded to exactly 0 for confidently
fitted examples, so an overfit model's members tied and the AUC and empirical bound lost them."""

import numpy as np
import torch
from scipy.special import logsumexp

from audit.privacy._attacks import loss_scores, per_example_logits
from audit.training import fit, seed_everything
from tests.unit.privacy.test_attacks import build, noisy_data


def test_overfit_model_scores_resolve_distinct_values():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        members = noisy_data(400, seed=1)
        seed_everything(0)
        model = fit(build(), members, seed=0, progress=False, epochs=200, batch_size=64,
                    learning_rate=1e-2).model
    finally:
        torch.set_num_threads(threads)
    logits, labels = per_example_logits(model, members)
    rows = np.arange(len(labels))
    old = logits[rows, labels] - logsumexp(logits, axis=1)  # the previous formula, in float64
    z32 = torch.from_numpy(logits).float()
    old32 = (z32[rows, labels] - torch.logsumexp(z32, dim=1)).numpy()
    new = loss_scores(logits, labels)
    assert (old == 0).sum() >= 1 and (old32 == 0).sum() >= 40  # saturated
    assert (new < 0).all() and len(np.unique(new)) == len(new)  # every member resolved
    # where the old form did not saturate, the two agree
    ok = old < -1e-6
    np.testing.assert_allclose(new[ok], old[ok], rtol=1e-9)
