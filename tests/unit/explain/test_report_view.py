"""The report's explainability section and the dashboard page present a real section safely."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from audit.data import build_tabular_dataset
from audit.explain import ExplainabilityAuditConfig, run_audit
from audit.models import TabularMLP
from audit.result import EpochRecord
from reports._render import _ENV
from reports.sections import explainability as _explainability_view
from tests.unit.explain.conftest import make_frame

EVIL = "<script>alert(1)</script>"
SMALL = dict(enabled=True, n_rows=60, n_rows_perturbation=20, kernel_shap_rows=6,
             n_check_rows=6, bootstrap_replicates=100, n_steps=8, n_samples=3, kernel_shap_samples=20,
             smoothing_samples=2, methods=("integrated_gradients", "feature_ablation"))


@pytest.fixture(scope="module")
def evil_section():
    """A section whose feature name and group label are script tags (user data)."""
    frames = []
    for n, seed in ((300, 0), (120, 1)):
        frame = make_frame(n, seed).rename(columns={"colour": EVIL})
        frame["sex"] = frame["sex"].replace({"female": EVIL})
        frames.append(frame)
    ds = build_tabular_dataset(*frames, target="y", positive_label="yes",
                               sensitive_features=["sex"], seed=0)
    model = TabularMLP(ds.n_features, hidden_sizes=(8,), dropout=0.0).eval()
    return run_audit(ds, model, ExplainabilityAuditConfig(**SMALL), seed=0)


def _history():
    return tuple(EpochRecord(epoch=e, metrics={"train/loss": 1.0 / e},
                             details={"explain/global_importance": {"x1": e / 10, EVIL: 0.1}})
                 for e in (1, 2, 3))


def render_section(result) -> str:
    return _ENV.get_template("sections/explainability.html.j2").render(
        r=result, **_explainability_view.context(result))


def test_section_renders_every_part_and_escapes_user_strings(evil_section):
    html = render_section(SimpleNamespace(explainability=evil_section, history=_history()))
    assert EVIL not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for part in ("Global importance", "Trust checks", "Individual rows", "Sensitive groups",
                 "Proxies of sensitive features", 'class="rai-chart"', "Global importance during training"):
        assert part in html, part
    assert html.count('class="rai-chart"') >= 5  # importance, agreement, history, row waterfalls, groups
    assert 'id="explainability"' in html


def test_section_says_when_the_audit_did_not_run():
    html = render_section(SimpleNamespace(explainability=None, history=()))
    assert "was not run" in html


def test_full_report_with_the_section(evil_section):
    from reports import render_report
    from tests.unit.test_result_schema import make_result

    html = render_report(make_result().with_section("explainability", evil_section))
    assert EVIL not in html and "Trust checks" in html


def test_dashboard_page_presents_the_section(evil_section):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[3] / "dashboards" / "pages" / "explainability.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["result"] = SimpleNamespace(explainability=evil_section, history=_history())
    at.run()
    assert not at.exception, at.exception
    assert [h.value for h in at.subheader][:2] == ["Global importance",
                                                  "Importance during training"]
    assert all(EVIL not in c.value for c in at.caption)
    at.selectbox[0].set_value("feature_ablation").run()
    assert not at.exception


def test_dashboard_page_without_the_section():
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    page = Path(__file__).resolve().parents[3] / "dashboards" / "pages" / "explainability.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["result"] = SimpleNamespace(explainability=None, history=())
    at.run()
    assert not at.exception and "not run" in at.info[0].value
