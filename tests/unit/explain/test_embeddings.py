"""Attributions through embeddings, several inputs and one logit, on a model the project did
not build: ``forward(numeric, categorical)`` with one logit and one ``nn.Embedding`` per
categorical column, trained on a seeded table whose label depends strongly on ``group``."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch
from captum.attr import LayerDeepLift, LayerGradientXActivation, LayerIntegratedGradients
from torch import nn

from audit.explain import (
    BaselineShapeError,
    EmbeddingInputError,
    ExplainabilityAuditConfig,
    ExplainedOutput,
    Explainer,
    NotAttributableError,
    TargetOutOfRangeError,
    completeness_check,
    embedding_view,
    make_baselines,
    run_audit,
)
from audit.training import fit, seed_everything

GROUP_EFFECT = np.array([-2.5, -1.0, 1.0, 2.5])  # the label's dependence on group codes 0..3
COLUMNS = ("x1", "x2", "group", "colour")  # numeric input, then categorical codes


def synthetic(n: int, seed: int):
    """Two numeric columns, ``group`` (4 codes, strong effect) and ``colour`` (3 codes, none)."""
    rng = np.random.default_rng(seed)
    numeric = rng.normal(size=(n, 2)).astype(np.float32)
    codes = np.stack([rng.integers(0, 4, n), rng.integers(0, 3, n)], axis=1)
    logit = GROUP_EFFECT[codes[:, 0]] + 0.7 * numeric[:, 0]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return torch.from_numpy(numeric), torch.from_numpy(codes), torch.from_numpy(y)


class TwoInputs(nn.Module):
    """A user's model: numeric floats and integer codes, per-column embeddings, one logit."""

    def __init__(self, cardinalities=(4, 3), dim=4):
        super().__init__()
        self.numeric_in = nn.Identity()  # only so that captum's layer methods can name it
        self.embeddings = nn.ModuleList(nn.Embedding(c, dim) for c in cardinalities)
        self.net = nn.Sequential(nn.Linear(2 + dim * len(cardinalities), 16), nn.ReLU(),
                                 nn.Linear(16, 1))

    def forward(self, numeric, categorical):
        embedded = [e(categorical[:, j]) for j, e in enumerate(self.embeddings)]
        return self.net(torch.cat([self.numeric_in(numeric), *embedded], dim=1))


class Pairs(torch.utils.data.Dataset):
    def __init__(self, numeric, codes, y):
        self.numeric, self.codes, self.y = numeric, codes, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.numeric[i], self.codes[i]), self.y[i]


@pytest.fixture(scope="module")
def data():
    return {"train": synthetic(3000, 0), "test": synthetic(400, 1)}


@pytest.fixture(scope="module")
def model(data):
    seed_everything(0)
    run = fit(TwoInputs(), Pairs(*data["train"]), epochs=8, batch_size=128, learning_rate=0.02,
              progress=False, device="cpu", validation=Pairs(*data["test"]))
    assert run.history[-1].metrics["val/accuracy"] > 0.75  # it learned the rule
    return run.model


def mean_embedding_baseline(explainer, data):
    numeric, codes, _ = data["train"]
    return make_baselines(explainer.encode((numeric, codes)), "mean")


def importance(explanation):
    return dict(zip(COLUMNS, explanation.attributions.abs().mean(dim=0).tolist()))


# -- the embedded column is attributed, and completeness holds ---------------------------------
def test_embedded_group_gets_the_largest_attribution_and_completeness_holds(model, data):
    numeric, codes, _ = data["test"]
    explainer = Explainer(model, "integrated_gradients", n_steps=50)
    explainer.baselines = mean_embedding_baseline(explainer, data).values
    explanation = explainer.explain((numeric, codes), target=1)
    assert explanation.attributions.shape == (400, 4)  # one column per original column
    imp = importance(explanation)
    assert imp["group"] > 0 and max(imp, key=imp.get) == "group"
    assert imp["group"] > 2 * imp["x1"] > 0 and imp["colour"] < imp["x1"]
    check = completeness_check(explanation, 0.05)
    assert check.status == "pass" and check.value < 0.03, check
    # completeness itself: the attributions add up to f(x) - f(baseline) of the one logit
    with torch.no_grad():
        logit = model(numeric, codes)[:, 0]
        base_logit = explainer.view((numeric, codes)).module(explainer.baselines)[:, 0]
    torch.testing.assert_close(explanation.attributions.sum(dim=1), logit - base_logit,
                               atol=0.02, rtol=0.01)


@pytest.mark.parametrize("method", ["deeplift", "gradient_shap", "saliency", "feature_ablation",
                                    "shapley_value_sampling"])
def test_every_method_attributes_the_embedded_column(model, data, method):
    numeric, codes, _ = data["test"]
    explainer = Explainer(model, method, n_samples=10)
    if explainer.spec.baseline_distribution:
        numeric_train, codes_train, _ = data["train"]
        explainer.baselines = (numeric_train[:20], codes_train[:20])  # rows of the inputs
    elif explainer.needs_baseline:
        explainer.baselines = mean_embedding_baseline(explainer, data).values
    imp = importance(explainer.explain((numeric[:100], codes[:100]), target=1))
    assert imp["group"] > 0 and max(imp, key=imp.get) == "group", imp


def test_a_broken_baseline_makes_the_completeness_check_warn(model, data):
    numeric, codes, _ = data["test"]
    explainer = Explainer(model, "integrated_gradients")
    good = mean_embedding_baseline(explainer, data).values
    assert completeness_check(explainer.explain((numeric, codes), baselines=good),
                              0.05).status == "pass"
    # the mean of a column with a missing value: NaN in the baseline
    broken = good.clone()
    broken[0, 3] = float("nan")
    check = completeness_check(explainer.explain((numeric, codes), baselines=broken), 0.05)
    assert check.status == "warn" and np.isnan(check.value)
    assert check.detail.startswith("undefined: 400 of 400 rows have a non-finite")
    # a baseline far outside the data with few integration steps: the sum misses the change
    far = Explainer(model, "integrated_gradients", n_steps=4)
    check = completeness_check(far.explain((numeric, codes), baselines=torch.full(
        (1, far.view((numeric, codes)).width), 10.0)), 0.05)
    assert check.status == "warn" and check.value > 0.1, check
    assert "Flagged" in check.detail and "check the baseline" in check.detail


class ParameterLookup(nn.Module):
    """Looks codes up in a plain parameter (no nn.Embedding): nothing to attribute through,
    and the code column's attribution is 0; the completeness check says the sum is wrong."""

    def __init__(self):
        super().__init__()
        self.table = nn.Parameter(torch.tensor([[-2.5], [-1.0], [1.0], [2.5]]))
        self.head = nn.Linear(2, 1)

    def forward(self, x):
        return self.head(x[:, :2]) + self.table[x[:, 2].long()]


def test_a_silent_zero_left_by_a_lookup_without_embedding_is_flagged(data):
    numeric, codes, _ = data["test"]
    torch.manual_seed(0)
    X = torch.cat([numeric, codes[:, :1].float()], dim=1)
    explanation = Explainer(ParameterLookup(), "integrated_gradients",
                            baselines=torch.tensor([[0.0, 0.0, 1.0]])).explain(X)
    assert float(explanation.attributions[:, 2].abs().max()) == 0.0
    check = completeness_check(explanation, 0.05)
    assert check.status == "warn" and check.value > 0.5, check


# -- the same numbers as captum's layer methods on the embedding outputs ----------------------
def test_attributions_equal_captum_layer_methods(model, data):
    numeric, codes, _ = data["test"]
    numeric, codes = numeric[:30], codes[:30]
    base = (torch.zeros(30, 2), torch.tensor([[1, 0]]).expand(30, 2))  # reference codes
    layers = [model.numeric_in, *model.embeddings]
    forward = ExplainedOutput(model)

    def per_column(parts):
        return torch.cat([parts[0], *(p.sum(dim=-1, keepdim=True) for p in parts[1:])], dim=1)

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Multiple layers provided")
        lig = LayerIntegratedGradients(forward, layers).attribute(
            (numeric, codes), baselines=base, target=1, n_steps=64)
    ours = Explainer(model, "integrated_gradients", n_steps=64,
                     baselines=(base[0][:1], base[1][:1])).explain((numeric, codes), target=1)
    torch.testing.assert_close(ours.attributions, per_column(lig), atol=1e-5, rtol=1e-4)

    saliency = LayerGradientXActivation(forward, layers, multiply_by_inputs=False).attribute(
        (numeric, codes), target=1)
    ours = Explainer(model, "saliency").explain((numeric, codes), target=1)
    torch.testing.assert_close(ours.attributions, per_column(saliency), atol=1e-6, rtol=1e-5)

    ours = Explainer(model, "deeplift", baselines=(base[0][:1], base[1][:1])).explain(
        (numeric, codes), target=1)
    for column, layer in ((2, model.embeddings[0]), (3, model.embeddings[1])):
        deeplift = LayerDeepLift(forward, layer).attribute((numeric, codes), baselines=base,
                                                           target=1)
        torch.testing.assert_close(ours.attributions[:, column], deeplift.sum(dim=-1),
                                   atol=1e-5, rtol=1e-4)


# -- the model: codes inside one float matrix, cast with .long() in forward ------------
class CodesInOneMatrix(nn.Module):
    def __init__(self, two_inputs: TwoInputs):
        super().__init__()
        self.inner = two_inputs

    def forward(self, x):
        return self.inner(x[:, :2], x[:, 2:].long())


def test_codes_in_a_float_matrix_are_attributed_not_zero(model, data):
    numeric, codes, _ = data["test"]
    X = torch.cat([numeric, codes.float()], dim=1)
    wrapped = CodesInOneMatrix(model)
    numeric_train, codes_train, _ = data["train"]
    X_train = torch.cat([numeric_train, codes_train.float()], dim=1)
    explainer = Explainer(wrapped, "integrated_gradients", baselines=make_baselines(X_train))
    matrix = explainer.explain(X, target=1)
    # same numbers as the two-input call with the mean-embedding baseline
    pair = Explainer(model, "integrated_gradients")
    pair.baselines = mean_embedding_baseline(pair, data).values
    torch.testing.assert_close(matrix.attributions, pair.explain((numeric, codes)).attributions,
                               atol=1e-5, rtol=1e-4)
    assert float(matrix.attributions[:, 2].abs().mean()) > 0.5
    # the mean of codes is not a code: the raw mean row is refused, with the fix
    with pytest.raises(BaselineShapeError, match=r"column 2: expected integer codes.*mean "
                                                 r"embedding"):
        Explainer(wrapped, "integrated_gradients").explain(
            X, baselines=X_train.mean(dim=0, keepdim=True))


# -- never a silent zero: integer inputs without an embedding ----------------------------------
class CodesAsNumbers(nn.Module):
    """Feeds the integer codes to a Linear layer as numbers: no embedding to attribute through."""

    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 1)

    def forward(self, numeric, categorical):
        return self.net(torch.cat([numeric, categorical.float()], dim=1))


def test_integer_inputs_without_an_embedding_are_refused_for_gradient_methods(data):
    numeric, codes, _ = data["test"]
    torch.manual_seed(0)
    model = CodesAsNumbers()
    groups = {"x1": (0,), "x2": (1,), "group": (2,), "colour": (3,)}
    with pytest.raises(NotAttributableError) as info:
        Explainer(model, "integrated_gradients", feature_groups=groups).explain((numeric, codes))
    message = str(info.value)
    assert "input 1, column 0 ('group')" in message and "input 1, column 1 ('colour')" in message
    assert "no nn.Embedding reads" in message and "feature_ablation" in message
    # a perturbation method replaces the codes and attributes them
    ablation = Explainer(model, "feature_ablation", feature_groups=groups).explain(
        (numeric[:50], codes[:50]))
    assert float(ablation.attributions[:, 2].abs().mean()) > 0


class ComputedIndex(nn.Module):
    def __init__(self):
        super().__init__()
        self.pair = nn.Embedding(12, 2)
        self.head = nn.Linear(4, 1)

    def forward(self, numeric, categorical):
        index = categorical[:, 0] * 3 + categorical[:, 1]  # one lookup for two columns
        return self.head(torch.cat([numeric, self.pair(index)], dim=1))


class CodesUsedTwice(TwoInputs):
    def forward(self, numeric, categorical):
        return super().forward(numeric, categorical) + categorical[:, :1].float()


def test_embeddings_that_cannot_be_traced_to_a_column_are_refused(data):
    numeric, codes, _ = data["test"]
    with pytest.raises(EmbeddingInputError, match=r"embedding 'pair'.*one input column"):
        Explainer(ComputedIndex(), "integrated_gradients").explain((numeric, codes))
    with pytest.raises(EmbeddingInputError, match=r"only through its nn\.Embedding.*lookups of "
                                                  r"input 1, column 0"):
        embedding_view(CodesUsedTwice(), (numeric, codes))


def test_no_hook_remains_after_explaining_or_after_an_error(model, data):
    numeric, codes, _ = data["test"]
    Explainer(model, "deeplift").explain((numeric[:10], codes[:10]))
    with pytest.raises(TargetOutOfRangeError):
        Explainer(model, "integrated_gradients").explain((numeric[:10], codes[:10]), target=2)
    assert not any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks
                   for m in model.modules())


# -- one logit, and multi-input forwards -----------------------------------------------------
def test_one_logit_targets(model, data):
    numeric, codes, _ = data["test"]
    inputs = (numeric[:20], codes[:20])
    explainer = Explainer(model, "integrated_gradients")
    positive = explainer.explain(inputs, target=1)
    negative = explainer.explain(inputs, target=0)
    torch.testing.assert_close(negative.attributions, -positive.attributions)
    with pytest.raises(TargetOutOfRangeError, match=r"\[0, 1\] \(the model has one output, the "
                                                    r"logit of class 1"):
        explainer.explain(inputs, target=2)
    with pytest.raises(TargetOutOfRangeError, match="class-0 logit is the constant 0"):
        Explainer(model, "integrated_gradients", output="logit").explain(inputs, target=0)
    # the probability as the explained output: attributions add up to the change of sigmoid
    probability = Explainer(model, "integrated_gradients", output="probability",
                            n_steps=100).explain(inputs, target=1)
    with torch.no_grad():
        p = torch.sigmoid(model(*inputs)[:, 0])
        p0 = torch.sigmoid(explainer.view(inputs).module(torch.zeros(1, 10)))[:, 0]
    torch.testing.assert_close(probability.attributions.sum(dim=1), p - p0, atol=2e-3, rtol=0)


class Sigmoided(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, numeric, categorical):
        return torch.sigmoid(self.inner(numeric, categorical))


def test_a_model_that_outputs_probabilities_explains_the_same_log_odds(model, data):
    numeric, codes, _ = data["test"]
    inputs = (numeric[:20], codes[:20])
    logits = Explainer(model, "saliency").explain(inputs).attributions
    probs = Explainer(Sigmoided(model), "saliency", scores="probabilities").explain(
        inputs).attributions
    torch.testing.assert_close(probs, logits, atol=1e-4, rtol=1e-3)


class TwoFloatInputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(5, 2)

    def forward(self, a, b):
        return self.net(torch.cat([a, b], dim=1))


def test_a_tuple_of_float_inputs_equals_the_concatenated_model():
    """``forward(a, b)`` used to fail: 'only one element tensors can be converted to Python
    scalars'."""
    torch.manual_seed(0)
    model = TwoFloatInputs()
    a, b = torch.randn(16, 2), torch.randn(16, 3)
    pair = Explainer(model, "integrated_gradients").explain((a, b), target=1)
    single = Explainer(model.net, "integrated_gradients").explain(torch.cat([a, b], 1), target=1)
    torch.testing.assert_close(pair.attributions, single.attributions)
    torch.testing.assert_close(pair.convergence_delta, single.convergence_delta)


# -- the audit section on a table whose categorical columns are codes ------------------------
class CodedSplit(SimpleNamespace):
    def __len__(self):
        return len(self.y)


def coded_dataset(data):
    """The table encoded the way the model expects (numbers, then codes): what a user's own
    encoding gives. Only the fields the explainability audit reads."""
    def split(part):
        numeric, codes, y = part
        raw = pd.DataFrame({"x1": numeric[:, 0].numpy(), "x2": numeric[:, 1].numpy(),
                            "group": [f"g{c}" for c in codes[:, 0].tolist()],
                            "colour": [f"c{c}" for c in codes[:, 1].tolist()]})
        return CodedSplit(X=torch.cat([numeric, codes.float()], dim=1).numpy(), y=y.numpy(),
                          raw=raw, sensitive=raw[["group"]])

    return SimpleNamespace(
        train=split(data["train"]), validation=split(data["test"]), test=split(data["test"]),
        feature_groups={"x1": (0,), "x2": (1,), "group": (2,), "colour": (3,)},
        sensitive_features=("group",), target="y", positive_label="1")


@pytest.mark.slow
def test_audit_section_attributes_the_embedded_sensitive_column(model, data):
    config = ExplainabilityAuditConfig(
        enabled=True, n_rows=200, n_rows_perturbation=60, kernel_shap_rows=10,
        kernel_shap_samples=40, n_check_rows=32, bootstrap_replicates=100, n_samples=10,
        smoothing_samples=4)
    section = run_audit(coded_dataset(data), CodesInOneMatrix(model), config, seed=0)
    primary = next(m for m in section.methods if m.method == "integrated_gradients")
    assert primary.features[0].feature == "group" and primary.features[0].importance > 0.5
    for method in section.methods:
        top = {f.feature: f.importance for f in method.features}
        assert top["group"] > 0, method.method
    checks = {(c.method, c.check): c for c in section.checks}
    assert checks[("integrated_gradients", "completeness")].status == "pass"
    assert checks[("deeplift", "completeness")].status == "pass"
    assert checks[("gradient_shap", "completeness")].status in ("pass", "warn")
    assert {c.check for c in section.checks} >= {"infidelity", "sensitivity", "randomisation"}
    assert any("group, colour: integer codes looked up in nn.Embedding" in n
               for n in section.notes)
    assert all(0.0 <= row.probability <= 1.0 for row in section.rows)
    groups = {g.group: g for g in section.groups}
    assert set(groups) == {"g0", "g1", "g2", "g3"}
    # the groups' mean attribution of group follows the planted effects (-2.5 ... +2.5)
    means = [groups[f"g{c}"].mean_attribution["group"] for c in range(4)]
    assert means == sorted(means) and means[0] < 0 < means[-1]


def test_the_training_callback_uses_the_mean_embedding_of_the_model_being_trained(data):
    from audit.explain import AttributionCallback

    numeric, codes, y = data["train"]
    X = torch.cat([numeric, codes.float()], dim=1)
    groups = {"x1": (0,), "x2": (1,), "group": (2,), "colour": (3,)}
    callback = AttributionCallback(X[:64], groups, baselines=make_baselines(X), n_steps=8)
    seed_everything(0)
    run = fit(CodesInOneMatrix(TwoInputs()), torch.utils.data.TensorDataset(X, y), epochs=2,
              batch_size=256, learning_rate=0.02, progress=False, callbacks=[callback])
    importance = run.history[-1].details["explain/global_importance"]
    assert importance["group"] > 0 and max(importance, key=importance.get) == "group"


@pytest.mark.parametrize("method", ["integrated_gradients", "deeplift_shap"])
def test_a_baseline_object_equals_its_values_for_a_plain_model(method):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    X = torch.randn(40, 3)
    kind = "sample" if method == "deeplift_shap" else "mean"
    spec = make_baselines(X, kind, n_samples=5)
    by_object = Explainer(model, method, baselines=spec).explain(X[:8])
    by_values = Explainer(model, method, baselines=spec.values).explain(X[:8])
    torch.testing.assert_close(by_object.attributions, by_values.attributions)
    assert by_object.baseline == spec.description
