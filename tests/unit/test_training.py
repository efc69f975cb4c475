"""The training core: determinism, the callback contract, early stop, bad input."""

import dataclasses

import pytest
import torch
from torch.utils.data import TensorDataset

from audit.errors import ModelInputMismatchError, RaiAuditError
from audit.models import TabularMLP
from audit.training import Callback, fit, seed_everything


def toy(n=256, width=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, width, generator=g)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return TensorDataset(X, y)


def train_once(seed=0, **kw):
    seed_everything(seed)
    model = TabularMLP(5, (16,), dropout=0.1)
    kw = {"epochs": 3, "batch_size": 32, **kw}
    return fit(model, toy(), seed=seed, progress=False, **kw)


def test_same_seed_same_weights():
    a, b = train_once(0), train_once(0)
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)
    c = train_once(1)
    assert not torch.equal(next(a.model.parameters()), next(c.model.parameters()))


def test_learns_a_linear_rule():
    run = train_once(validation=toy(seed=1), learning_rate=0.02, epochs=5)
    assert run.history[-1].metrics["val/accuracy"] > 0.9
    assert run.history[-1].metrics["train/loss"] < run.history[0].metrics["train/loss"]
    assert [r.epoch for r in run.history] == [1, 2, 3, 4, 5]


class Recorder(Callback):
    def __init__(self):
        self.calls = []

    def on_fit_start(self, state, control):
        self.calls.append(("fit_start", state.epoch))

    def on_epoch_start(self, state, control):
        self.calls.append(("epoch_start", state.epoch))

    def on_step_end(self, state, control):
        if state.step == 1:
            self.calls.append(("step", state.step))

    def on_epoch_end(self, state, control):
        self.calls.append(("epoch_end", state.epoch))
        control.record("custom/epoch_squared", state.epoch ** 2)
        control.record_detail("custom/groups", {"a": state.epoch})

    def on_fit_end(self, state, control):
        self.calls.append(("fit_end", state.epoch))


def test_callback_hooks_in_order_and_records_land_in_history():
    cb = Recorder()
    run = train_once(callbacks=[cb])
    assert cb.calls[:4] == [("fit_start", 0), ("epoch_start", 1), ("step", 1), ("epoch_end", 1)]
    assert cb.calls[-1] == ("fit_end", 3)
    assert [r.metrics["custom/epoch_squared"] for r in run.history] == [1.0, 4.0, 9.0]
    assert run.history[2].details == {"custom/groups": {"a": 3}}


def test_state_is_read_only():
    class Mutator(Callback):
        def on_epoch_end(self, state, control):
            with pytest.raises(dataclasses.FrozenInstanceError):
                state.epoch = 99
            with pytest.raises(TypeError):
                state.metrics["train/loss"] = 0.0

    train_once(callbacks=[Mutator()])


def test_stop_through_control():
    class StopAfterTwo(Callback):
        def on_epoch_end(self, state, control):
            if state.epoch == 2:
                control.stop("enough")

    run = train_once(callbacks=[StopAfterTwo()])
    assert run.epochs_completed == 2 and run.stopped_early and run.stop_reason == "enough"


def test_callback_sees_trained_model_in_train_mode_after_eval():
    class EvalInHook(Callback):
        def on_epoch_end(self, state, control):
            state.model.eval()

    seed_everything(0)
    model = TabularMLP(5, (16,))
    fit(model, toy(), epochs=1, callbacks=[EvalInHook()], progress=False)
    assert not model.training  # fit returns the model in eval mode


def test_sample_weights_change_training():
    X, y = toy().tensors
    plain = train_once()
    seed_everything(0)
    weighted = fit(TabularMLP(5, (16,), dropout=0.1),
                   TensorDataset(X, y, torch.where(y == 1, 3.0, 1.0)),
                   epochs=3, batch_size=32, progress=False)
    assert not torch.equal(next(plain.model.parameters()), next(weighted.model.parameters()))


def test_unit_weights_equal_no_weights():
    X, y = toy().tensors
    plain = train_once()
    seed_everything(0)
    ones = fit(TabularMLP(5, (16,), dropout=0.1), TensorDataset(X, y, torch.ones(len(y))),
               epochs=3, batch_size=32, progress=False)
    for pa, pb in zip(plain.model.parameters(), ones.model.parameters()):
        torch.testing.assert_close(pa, pb)


def test_model_input_width_mismatch():
    with pytest.raises(ModelInputMismatchError, match=r"width 5.*first Linear layer takes 7"):
        fit(TabularMLP(7), toy(), epochs=1, progress=False)


def test_model_output_shape_mismatch():
    with pytest.raises(ModelInputMismatchError, match=r"shape \(1, 3\).*or of 1 output"):
        fit(torch.nn.Linear(5, 3), toy(), epochs=1, progress=False)


@pytest.mark.parametrize("kw", [{"epochs": 0}, {"batch_size": -1}, {"learning_rate": 0.0},
                                {"optimizer": "rmsprop"}])
def test_bad_training_arguments(kw):
    with pytest.raises(RaiAuditError):
        fit(TabularMLP(5), toy(), progress=False, **kw)


def test_progress_bars_silent_when_asked(capsys):
    train_once()
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
