"""Adding a concern needs no edit outside it: an audit defined and registered in this file is
configured, run, saved, reported, gated and paged by the existing machinery."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import Field

from audit.core import Audit, AuditContext, StrictConfig, register_audit, unregister_audit
from audit.result import schema_dataclass


class BalanceConfig(StrictConfig):
    enabled: bool = False
    threshold: float = Field(0.5, gt=0.0, lt=1.0)


@schema_dataclass
class BalanceSection:
    n_rows: int
    positive_share: float
    notes: tuple[str, ...] = ()


class BalanceAudit(Audit):
    """Share of test rows the model decides positively (a deliberately tiny concern)."""

    slug = "toy_balance"
    title = "Decision balance"
    description = "share of positive decisions on the test split"
    config_type = BalanceConfig
    section_type = BalanceSection
    modalities = ("tabular", "text")
    cost = 1

    def run(self, ctx: AuditContext, config: BalanceConfig) -> BalanceSection:
        decided = ctx.test_scores() >= config.threshold
        return BalanceSection(n_rows=len(decided), positive_share=float(np.mean(decided)))


def _register_metric_once():
    from audit.policy import MetricValue, available_metrics, register_metric

    if "toy_balance.positive_share" in available_metrics():
        return

    @register_metric("toy_balance.positive_share", "share of positive decisions")
    def _share(result, arg):
        section = result.toy_balance
        return None if section is None else MetricValue(section.positive_share, None, "share")


@pytest.fixture
def toy_audit():
    audit = register_audit(BalanceAudit())
    _register_metric_once()
    yield audit
    unregister_audit("toy_balance")


def test_a_duplicate_slug_is_refused(toy_audit):
    with pytest.raises(ValueError, match="already registered"):
        register_audit(BalanceAudit())


@pytest.mark.parametrize("bad", ["Fairness", "quality", "has-dash", ""])
def test_bad_slugs_are_refused(bad):
    class Bad(BalanceAudit):
        slug = bad

    with pytest.raises(ValueError, match="slug"):
        register_audit(Bad())


def test_an_audit_without_run_is_refused():
    class NoRun(Audit):
        slug = "toy_norun"
        title = "x"
        config_type = BalanceConfig
        section_type = BalanceSection

    with pytest.raises(ValueError, match="run"):
        register_audit(NoRun())


@pytest.mark.slow
def test_registered_audit_is_configured_run_saved_reported_gated_and_paged(toy_audit, tmp_path,
                                                                          monkeypatch):
    from audit.cli import app
    from audit.config import parse_config
    from audit.result import load_result, save_result
    from audit.runner import headline, run_audit
    from reports import render_report
    from tests._apptest import open_audit_page
    from tests.contract.conftest import planted_table

    planted_table(800, 0).to_csv(tmp_path / "train.csv", index=False)
    planted_table(400, 1).to_csv(tmp_path / "test.csv", index=False)
    config = parse_config({
        "data": {"loader": "csv", "train_path": "train.csv", "test_path": "test.csv",
                 "target": "approved", "positive_label": "yes", "sensitive_features": ["sex"]},
        "model": {"hidden_sizes": [8]}, "training": {"epochs": 1},
        "audits": {"toy_balance": {"enabled": True, "threshold": 0.4}},
        "policy": {"gates": [{"metric": "toy_balance.positive_share", "max": 0.99}]}},
        base_dir=tmp_path)
    assert config.audits.toy_balance.threshold == 0.4  # configured under its slug
    run = run_audit(config, output_dir=tmp_path / "out", progress=False)
    section = run.result.toy_balance  # run, under its slug
    assert section.n_rows == 400 and 0.0 < section.positive_share < 1.0
    from audit.models import predict_proba

    expected = np.mean(predict_proba(run.training.model, run.dataset.test.X) >= 0.4)
    assert section.positive_share == pytest.approx(expected)
    gate = run.result.policy.gates[0]  # gated
    assert gate.metric == "toy_balance.positive_share" and gate.value == section.positive_share
    path = save_result(run.result, tmp_path / "result.json")  # saved and read back
    assert load_result(path).toy_balance == section
    html = render_report(run.result)  # reported (generic section: every field)
    assert '<section id="toy_balance">' in html and 'href="#toy_balance"' in html
    assert "Decision balance" in html and "positive_share" in html
    at = open_audit_page(path, "toy_balance", monkeypatch)  # paged
    assert not at.exception and any("positive_share" in str(df.value) for df in at.dataframe)
    assert not any("toy_balance" in line for line in headline(run.result))  # no headline hook
    from typer.testing import CliRunner

    listing = CliRunner().invoke(app, ["audits"])
    assert listing.exit_code == 0 and "toy_balance" in listing.output


def test_an_audit_that_fails_is_recorded_and_the_others_survive(toy_audit, tabular_context):
    from audit.core import get_audit
    from audit.runner import run_section

    class Broken(BalanceAudit):
        def run(self, ctx, config):
            raise RuntimeError("the balance scale broke")

    failed = run_section(Broken(), tabular_context, BalanceConfig(enabled=True))
    assert failed.status == "failed" and failed.section is None
    assert failed.failure.error_type == "RuntimeError" and "scale broke" in failed.failure.message
    ok = run_section(get_audit("toy_balance"), tabular_context, BalanceConfig(enabled=True))
    assert ok.status == "ok" and ok.seconds >= 0 and ok.seed == tabular_context.seed
    from dataclasses import replace

    from audit.result import result_from_json, result_to_json
    from reports import render_report
    from tests.unit.test_result_schema import make_result

    result = replace(make_result(), sections={"toy_balance": failed})
    back = result_from_json(result_to_json(result))
    assert back.toy_balance is None and back.failed_audits["toy_balance"].error_type == "RuntimeError"
    html = render_report(back)
    start = html.index('<section id="toy_balance">')
    assert "FAILED" in html[start:start + 400] and "scale broke" in html[start:start + 600]
