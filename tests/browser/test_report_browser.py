"""The census HTML report in headless Chromium, opened from disk with no network: nothing broken,
nothing fetched, nothing executed from user strings (issues 2 and 7)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from audit.core import registered_audits
from reports._vega import vega_bundle
from tests.browser._support import (
    INJECTED_ELEMENTS_JS,
    XSS_FLAGS,
    XSS_NAMES,
    browser_page,
    evil_result,
    external_requests,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHARTS_SOURCE = (Path(__file__).parents[2] / "reports" / "assets" / "charts.js").read_text()

#: The report's own sections around one section per registered audit (its id is the slug).
SECTIONS = ("summary", "card", "quality", *(a.slug for a in registered_audits()), "governance",
            "history", "appendix")
# Set RAI_AUDIT_SCREENSHOTS=DIR to keep the screenshot for a person to look at.
SCREENSHOT_DIR = os.environ.get("RAI_AUDIT_SCREENSHOTS")


def load(page, path):
    """Open the report from disk with every non-file request refused; wait until the chart
    loader says every chart is drawn (or has said why not); return the seconds that took."""
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else route.abort())
    started = time.perf_counter()
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_selector("html[data-charts=drawn]", state="attached", timeout=60_000)
    drawn = time.perf_counter() - started
    page.wait_for_load_state("networkidle")
    return drawn


#: JavaScript: per chart block, whether the loader drew an SVG of some size or wrote why not.
CHARTS_JS = """() => [...document.querySelectorAll('div.chart')].map(div => {
  const svg = div.querySelector('svg.marks');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  return {width: box.width, height: box.height, text: svg ? svg.textContent : div.innerText};
})"""


def test_census_report_renders_offline_with_nothing_broken(chromium, census_files, tmp_path):
    _, _, report = census_files
    with browser_page(chromium, offline=True) as (page, log):
        drawn_s = load(page, report)
        print(f"\nreport opened and {page.locator('div.chart').count()} charts drawn in {drawn_s:.2f} s")
        assert log.page_errors == [] and log.console_errors == []
        assert log.requests == [report.as_uri()], "the report fetched something"
        assert external_requests(log.requests, report.as_uri()) == []
        assert log.failed_requests == []

        for section in SECTIONS:
            locator = page.locator(f"section#{section}")
            assert locator.count() == 1, section
            assert locator.is_visible(), section
            assert locator.locator("h2").first.inner_text().strip(), section
        # the table of contents lists every section, and every in-page link (the governance
        # section has its own) points at an element that exists
        toc = page.eval_on_selector_all("nav.toc a", "els => els.map(e => e.hash.slice(1))")
        assert set(toc) == set(SECTIONS)
        targets = page.eval_on_selector_all("a[href^='#']", "els => els.map(e => e.hash.slice(1))")
        for target in targets:
            assert page.locator(f"[id='{target}']").count() == 1, target

        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        charts = page.evaluate(CHARTS_JS)
        assert len(charts) >= 40, len(charts)  # every section draws its charts
        # every chart block became an SVG with a size, none says it could not be drawn
        assert all(c["width"] > 100 and c["height"] > 50 for c in charts), charts
        texts = " ".join(c["text"] for c in charts)
        for label in ("pred. >50K", "selection rate", "Female", "marital-status", "epsilon (log scale)"):
            assert label in texts, label  # axis titles, group and feature names drawn as text

        broken_images = page.eval_on_selector_all(
            "img", "els => els.filter(e => !e.complete || e.naturalWidth === 0).map(e => e.src)")
        assert broken_images == []
        text = page.inner_text("body")
        for leftover in ("{{", "}}", "{%", "%}", "Traceback", "jinja2"):
            assert leftover not in text, leftover
        assert "census-income-mlp" in page.title()
        # the embedded data parses and matches the page
        embedded = page.evaluate("JSON.parse(document.getElementById('rai-audit-data').textContent)")
        assert embedded["run_name"] == "census-income-mlp"
        # nothing sticks out sideways at a laptop width
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"page is {overflow}px wider than the window"

        # the screenshot is for a person to read: the appendix folded, as a reader would
        page.evaluate("document.querySelectorAll('#appendix details').forEach(d => d.open = false)")
        shot = tmp_path / "report.png"
        page.screenshot(path=str(shot), full_page=True, timeout=120_000)
        if SCREENSHOT_DIR:
            shutil.copyfile(shot, Path(SCREENSHOT_DIR) / "rai_report.png")
        assert shot.stat().st_size > 50_000

        page.emulate_media(media="print")
        assert page.locator("section#appendix").is_visible()
        assert page.locator("div.chart svg.marks").first.is_visible()  # charts print too
        pdf = page.pdf(format="A4")  # "print to PDF", as a reader would
        assert pdf.startswith(b"%PDF") and len(pdf) > 100_000
        assert log.page_errors == [] and log.console_errors == []


def test_report_with_script_injection_names_executes_nothing(chromium, census_run, tmp_path):
    from reports import write_report

    report = write_report(evil_result(census_run.result), tmp_path / "evil" / "report.html")
    with browser_page(chromium, offline=True) as (page, log):
        load(page, report)
        injected = page.evaluate(INJECTED_ELEMENTS_JS)
        assert log.dialogs == [], log.dialogs
        assert injected == {"handlers": [], "imgX": 0, "xss": None}, injected
        # scripts: the JSON data block, the charts' JSON blocks, and the two inlined scripts
        # (the Vega bundle and the chart loader), none of them made from the payloads
        scripts = page.eval_on_selector_all(
            "script", "els => els.map(e => [e.type, e.className, e.textContent.length])")
        code = [length for kind, _, length in scripts if kind in ("", "text/javascript")]
        assert code == [len(vega_bundle()), len(CHARTS_SOURCE)], code
        assert all(kind == "application/json" for kind, _, _ in scripts
                   if kind not in ("", "text/javascript"))
        assert log.page_errors == [] and log.console_errors == []
        # the positive label (a payload) is drawn as text in the confusion matrix
        assert any(f"pred. {XSS_NAMES[1]}" in c["text"] for c in page.evaluate(CHARTS_JS))
        assert log.requests == [report.as_uri()], "an injected element fetched something"

        card = page.inner_text("section#card")
        for name in XSS_NAMES + XSS_FLAGS:
            assert name in card, name  # shown literally, as text
        assert XSS_NAMES[0] in page.inner_text("header")
        assert page.title().startswith("rai-audit report: " + XSS_NAMES[0])
        embedded = page.evaluate("JSON.parse(document.getElementById('rai-audit-data').textContent)")
        assert embedded["run_name"] == XSS_NAMES[0] + " " + XSS_FLAGS[2]
