"""DP-SGD across 2 processes (torchrun, gloo, CPU) against the same run in 1 process: same
epsilon for the same global batch, noise and steps; identical weights on both ranks; rank 0's
fairness counts of the test split equal the in-memory counts; empty local batches still step."""

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from audit.distributed import fit_private_distributed, init_distributed
from audit.fairness import GroupCounts
from audit.models import TabularMLP
from audit.privacy import PrivacyConfig
from sample_models.census_income import train_ddp

TORCHRUN = Path(sys.executable).with_name("torchrun")
ARGS = ["--subset", "3000", "--batch-size", "250", "--noise", "0.8", "--epochs", "1"]


@pytest.mark.slow
@pytest.mark.skipif(not TORCHRUN.exists(), reason="torchrun not installed next to python")
def test_two_gloo_processes_spend_the_same_epsilon_as_one(tmp_path, adult):
    env = {k: v for k, v in os.environ.items()
           if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")}
    env["OMP_NUM_THREADS"] = "1"
    # own session: on a timeout the whole group (torchrun and its workers) is killed
    proc = subprocess.Popen(
        [str(TORCHRUN), "--standalone", "--nproc_per_node", "2", "-m",
         "sample_models.census_income.train_ddp", "--out", str(tmp_path / "two"), *ARGS],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=240)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    assert proc.returncode == 0, stderr[-3000:]
    train_ddp.main(["--out", str(tmp_path / "one"), *ARGS])  # the 1-process reference

    one_summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    two_summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert two_summary["world_size"] == 2 and two_summary["backend"] == "gloo"
    assert one_summary["world_size"] == 1
    for key in ("steps", "sample_rate", "noise_multiplier", "delta"):
        assert two_summary[key] == one_summary[key], key
    assert two_summary["steps"] == 12  # 3000 rows / 250 per expected batch
    assert two_summary["epsilon"] == pytest.approx(one_summary["epsilon"], rel=1e-12)
    assert 0 < one_summary["epsilon"] < 10

    rank0 = torch.load(tmp_path / "two" / "params_rank0.pt")
    rank1 = torch.load(tmp_path / "two" / "params_rank1.pt")
    assert rank0.keys() == rank1.keys()
    for name in rank0:
        torch.testing.assert_close(rank0[name], rank1[name], rtol=0, atol=0)
    # training moved the weights away from the common initialisation
    torch.manual_seed(0)
    init = TabularMLP(adult.train.X.shape[1]).state_dict()
    assert any(not torch.equal(init[k], rank0[k]) for k in init)

    # rank 0's fairness counts of the trained model equal one in-memory count
    model = TabularMLP(adult.train.X.shape[1])
    model.load_state_dict(rank0)
    with torch.no_grad():
        proba = torch.softmax(model.eval()(torch.from_numpy(adult.test.X)), 1)[:, 1].numpy()
    reference = GroupCounts.from_predictions(
        adult.test.y, (proba >= 0.5).astype(int), adult.test.sensitive[["sex", "race"]].astype(str))
    merged = json.loads((tmp_path / "two" / "fairness_counts.json").read_text())
    assert [tuple(g) for g in merged["groups"]] == list(reference.groups)
    np.testing.assert_array_equal(np.array(merged["counts"]), reference.counts)


def test_empty_local_batches_still_step_and_are_accounted(monkeypatch):
    # a world of one gloo process: expected batch 1 of 40 rows, so about a third of the
    # Poisson draws are empty; opacus's distributed sampler would skip those steps
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for key, value in {"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "RANK": "0",
                       "WORLD_SIZE": "1", "LOCAL_RANK": "0"}.items():
        monkeypatch.setenv(key, value)
    ctx = init_distributed("cpu")
    try:
        g = torch.Generator().manual_seed(0)
        data = TensorDataset(torch.randn(40, 3, generator=g), torch.randint(0, 2, (40,), generator=g))
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
        run = fit_private_distributed(model, data, ctx, epochs=2, batch_size=1,
                                      privacy=PrivacyConfig(noise_multiplier=1.0, delta=1e-3))
    finally:
        ctx.close()
    assert ctx.backend == "gloo" and ctx.world_size == 1
    assert run.privacy.steps == 80  # every one of the 2 x 40 steps, empty or not
    assert all(torch.isfinite(p).all() for p in run.model.parameters())
