"""The report's text-models section: rendered from the result only, user strings escaped."""

from __future__ import annotations

from dataclasses import replace

from audit.result import Interval
from audit.result._text_models import (
    DistillationSummary,
    TextBaseline,
    TextModelsSection,
    TextModelSummary,
)
from reports import render_report
from reports.sections.text_models import context
from tests.unit.test_result_schema import make_result

EVIL = "<script>alert(1)</script>"


def _section() -> TextModelsSection:
    ci = Interval(0.6, 0.7, 0.95, "wilson")
    model = TextModelSummary(role="teacher", kind="hf", n_parameters=22_713_602, accuracy=0.65,
                             accuracy_interval=ci, roc_auc=0.7, seconds=100.0,
                             gaps={f"equalized_odds_difference[{EVIL}]": 0.1})
    student = replace(model, role="student", kind="pooling", n_parameters=100, accuracy=0.64,
                      agreement_with_teacher=0.9, gaps={f"equalized_odds_difference[{EVIL}]": 0.05})
    return TextModelsSection(
        task="boolq", text=EVIL, text_pair="passage", tokenizer="minilm", vocab_size=30522,
        max_length=128, overflow="truncate", truncation_policy="longest_first",
        n_truncated={"train": 5, "validation": 1, "test": 2},
        n_examples={"train": 100, "validation": 10, "test": 50},
        baselines=(TextBaseline(name="majority_class", description="most frequent", accuracy=0.62,
                                accuracy_interval=ci),),
        models=(model, student),
        distillation=DistillationSummary(teacher_kind="hf", student_kind="pooling", temperature=2.0,
                                         alpha=0.5, accuracy_change=-0.01, agreement=0.9,
                                         kept_accuracy=True, reading="The student kept it."))


def test_view_lists_models_baselines_and_gaps():
    view = context(make_result().with_section("text_models", _section()))["text_models_view"]
    assert [m["role"] for m in view["models"]] == ["teacher (audited model)", "distilled student"]
    assert view["models"][1]["agreement"] == "90.0%" and view["models"][1]["gaps"] == ["0.050"]
    assert view["baselines"][0]["accuracy"] == "62.0%"
    assert context(make_result()) == {"text_models_view": None}


def test_report_renders_the_section_escaped():
    html = render_report(make_result().with_section("text_models", _section()))
    assert 'id="text_models"' in html and "The student kept it." in html
    assert EVIL not in html and "&lt;script&gt;" in html
