"""Report charts: Vega-Lite blocks that carry the right data, escaped, and the offline Vega bundle."""

from __future__ import annotations

import json
import math
import re

import pytest

from reports import _charts, _vega

EVIL = "</script><script>alert(1)</script>"
BLOCK = re.compile(r'<script type="application/json" class="rai-chart">(.*?)</script>', re.DOTALL)


def spec_of(html: str) -> dict:
    """The one Vega-Lite specification in a chart fragment."""
    (text,) = BLOCK.findall(str(html))
    return json.loads(text)


def layer_values(spec: dict) -> list[dict]:
    return spec["data"]["values"]


def test_user_strings_travel_as_escaped_json_and_come_back_intact():
    html = _charts.interval_chart([EVIL, "b"], [0.5, 0.2], [0.4, 0.1], [0.6, 0.3], xlabel=EVIL,
                                  title=EVIL)
    assert "<script>alert" not in html and "</script><script>" not in html
    assert 'aria-label="&lt;/script&gt;' in html  # the label attribute is HTML-escaped
    spec = spec_of(html)
    assert spec["title"]["text"] == EVIL
    assert [row["group"] for row in layer_values(spec)] == [EVIL, "b"]


def test_non_finite_numbers_become_null_and_undefined_rows_keep_their_place():
    html = _charts.interval_chart(["a", "b", "c"], [0.5, math.nan, 0.1], [0.4, math.nan, -math.inf],
                                  [0.6, math.nan, 0.2], xlabel="rate", flagged=[False, False, True])
    assert "NaN" not in html and "Infinity" not in html
    spec = spec_of(html)
    rows = layer_values(spec)
    assert [r["group"] for r in rows] == ["a", "b (undefined)", "c *"]
    assert rows[1]["value"] is None and rows[2]["low"] is None
    assert [r["filled"] for r in rows] == [True, True, False]  # small groups are hollow
    y = spec["layer"][1]["encoding"]["y"]
    assert y["scale"]["domain"] == ["a", "b (undefined)", "c *"]  # order kept, undefined row shown


def test_waterfall_runs_from_the_baseline_to_the_output_and_pools_the_tail():
    contributions = {f"f{i}": (-1) ** i * (i + 1) / 10 for i in range(10)}
    spec = spec_of(_charts.waterfall_chart(0.25, contributions, xlabel="log-odds", top=3))
    steps = layer_values(spec)
    assert [s["step"] for s in steps] == ["baseline", "f9", "f8", "f7", "7 other features", "output"]
    for before, after in zip(steps[1:-2], steps[2:-1]):
        assert after["start"] == pytest.approx(before["end"])
    assert steps[-1]["end"] == pytest.approx(0.25 + sum(contributions.values()))
    assert [s["kind"] for s in steps[1:4]] == ["lowers", "raises", "lowers"]


def test_confusion_cells_hold_counts_and_row_shares():
    spec = spec_of(_charts.confusion_chart(90, 10, 30, 70, positive=">50K", negative="other"))
    cells = {(c["truth"], c["predicted"]): c for c in layer_values(spec)}
    assert cells[("true other", "pred. other")]["share"] == pytest.approx(0.9)
    assert cells[("true >50K", "pred. >50K")]["text"] == ["70", "70.0%"]
    assert sum(c["count"] for c in cells.values()) == 200


def test_line_and_grouped_bar_charts_keep_every_series_point():
    spec = spec_of(_charts.line_chart([1, 2, 3], {"loss": [3, 2, 1], "val": [4, 3, math.nan]},
                                      xlabel="epoch", ylabel="loss"))
    rows = layer_values(spec)
    assert len(rows) == 6 and rows[-1] == {"x": 3, "series": "val", "y": None}
    bars = spec_of(_charts.grouped_bar_chart(["a", "b"], {"g1": [1, 2], "g2": [3, 4]}, xlabel="x"))
    assert [(r["category"], r["series"], r["value"]) for r in layer_values(bars)] == [
        ("a", "g1", 1), ("b", "g1", 2), ("a", "g2", 3), ("b", "g2", 4)]


def test_numpy_values_are_written_as_plain_numbers():
    np = pytest.importorskip("numpy")
    spec = spec_of(_charts.importance_chart(["a"], np.array([0.5]), np.array([0.4]),
                                            np.array([0.6]), xlabel="x"))
    assert layer_values(spec) == [{"feature": "a", "value": 0.5, "low": 0.4, "high": 0.6}]


def test_bundle_is_offline_inlinable_and_defines_vega_embed():
    bundle = _vega.vega_bundle()
    assert "window.vegaEmbed=" in bundle and "expressionInterpreter" in bundle
    urls = set(re.findall(r"https?://[^\s\"'`)]+", bundle))
    assert all(u.startswith("http://www.w3.org/") for u in urls), urls
    assert not re.search(r"</script|<!--", bundle, flags=re.IGNORECASE)


def test_bundle_is_cached_on_disk_and_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("RAI_AUDIT_CACHE_DIR", str(tmp_path / "cache"))
    expected = _vega.vega_bundle()  # from this process's memo
    _vega.vega_bundle.cache_clear()
    try:
        monkeypatch.setattr(_vega, "_build_bundle", lambda: expected)
        assert _vega.vega_bundle() == expected
        (cached,) = (tmp_path / "cache").iterdir()
        assert cached.name.startswith("vega-bundle-") and cached.read_text() == expected

        _vega.vega_bundle.cache_clear()

        def must_not_rebuild():
            raise AssertionError("the disk cache was not used")

        monkeypatch.setattr(_vega, "_build_bundle", must_not_rebuild)
        assert _vega.vega_bundle() == expected
    finally:
        _vega.vega_bundle.cache_clear()


def test_an_unwritable_cache_only_costs_the_rebuild(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("RAI_AUDIT_CACHE_DIR", str(blocker / "cache"))
    _vega.vega_bundle.cache_clear()
    try:
        monkeypatch.setattr(_vega, "_build_bundle", lambda: "window.vegaEmbed=1;")
        assert _vega.vega_bundle() == "window.vegaEmbed=1;"
    finally:
        _vega.vega_bundle.cache_clear()


def test_external_urls_are_blanked_but_namespaces_kept():
    text = ('a="https://vega.github.io/schema/vega/v6.json";b="http://www.w3.org/2000/svg";'
            'c=`see (https://github.com/vega/vega-lite/issues/2415)`')
    assert _vega._EXTERNAL_URL.sub("", text) == (
        'a="";b="http://www.w3.org/2000/svg";c=`see ()`')


def every_chart_kind() -> dict[str, str]:
    """One chart of each kind, with the awkward cases (NaN, references, a small group)."""
    nan = math.nan
    return {
        "line": _charts.line_chart([1, 2, 3], {"loss": [3, 2, 1], "val": [4, nan, 2]},
                                   xlabel="epoch axis", ylabel="loss axis", title="Loss"),
        "confusion": _charts.confusion_chart(90, 10, 30, 70, positive=">50K", negative="other"),
        "interval": _charts.interval_chart(["Female", "Male", "Other"], [0.1, 0.3, nan],
                                           [0.08, 0.28, nan], [0.12, 0.32, nan],
                                           xlabel="selection rate", flagged=[False, False, True],
                                           reference=0.2),
        "heatmap": _charts.heatmap_chart([[0.1, nan], [0.7, 0.4]], ["Female", "Male"], ["a", "b"],
                                         annotations=[["0.10\nn=5", ""], ["0.70\nn=9", "0.40\nn=3"]],
                                         colorbar_label="selection rate axis"),
        "reliability": _charts.reliability_chart({"Female": ([0.1, 0.5], [0.2, 0.4])}, title="Calib"),
        "tradeoff": _charts.tradeoff_chart([("threshold", 0.85, 0.18, 0.84, 0.05)],
                                           xlabel="accuracy axis", ylabel="disparity axis"),
        "importance": _charts.importance_chart(["age", "sex"], [0.9, 0.2], [0.8, nan], [1.0, nan],
                                               xlabel="importance axis", reference=0.5,
                                               reference_label="all"),
        "waterfall": _charts.waterfall_chart(0.1, {"age": 0.5, "sex": -0.2}, xlabel="log-odds axis"),
        "matrix": _charts.matrix_chart([[1.0, 0.3], [0.3, 1.0]], ["IG", "SHAP"]),
        "grouped_bar": _charts.grouped_bar_chart(["age", "sex"], {"F": [0.1, 0.2], "M": [0.3, -0.1]},
                                                 xlabel="attribution axis"),
        "box": _charts.box_chart(["women", "men"],
                                 [{"whislo": 0.1, "q1": 0.2, "med": 0.3, "q3": 0.4, "whishi": 0.6}] * 2,
                                 xlabel="score axis", reference=0.5),
        "bar": _charts.bar_chart(["1", "2-4", "5+"], [10, 20, 30], xlabel="class size axis",
                                 ylabel="rows", highlighted=[True, False, False]),
    }


def test_every_chart_kind_compiles_and_draws_with_vega():
    """Vega-Lite itself (through vl-convert, no browser) accepts and draws each specification."""
    vl_convert = pytest.importorskip("vl_convert")
    for kind, html in every_chart_kind().items():
        svg = vl_convert.vegalite_to_svg(spec_of(html))
        assert svg.startswith("<svg") and "<text" in svg, kind
    drawn = vl_convert.vegalite_to_svg(spec_of(every_chart_kind()["line"]))
    assert "epoch axis" in drawn and "loss axis" in drawn
