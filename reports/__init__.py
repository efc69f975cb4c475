"""HTML reports: one self-contained, offline file rendered from an AuditResult."""

from reports._governance import write_technical_documentation
from reports._model_card import render_model_card, write_model_card
from reports._render import appendix_rows, json_for_script, render_report, write_report

__all__ = ["appendix_rows", "json_for_script", "render_model_card", "render_report", "write_model_card",
           "write_report", "write_technical_documentation"]
