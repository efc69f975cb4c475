"""The work behind ``rai-audit scan`` (the Typer command in :mod:`audit.cli` only parses options)."""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter

from audit._io import atomic_write_bytes
from audit.data_privacy._audit import census_table
from audit.data_privacy._config import ADULT_QUASI_IDENTIFIERS
from audit.data_privacy._files import check_output_path, read_table, write_table
from audit.data_privacy._generalise import GeneralisationOutcome
from audit.data_privacy._scan import scan_table
from audit.data_privacy._text import redact_file
from audit.result import DataPrivacySection


def run_scan(path: Path | None, *, quasi_identifiers: list[str] | None, sensitive: str | None,
             k_target: int, l_target: int, max_suppression: float, text_columns: list[str],
             redact_to: Path | None, generalise_to: Path | None, json_out: Path | None,
             overwrite: bool, phone_region: str) -> list[str]:
    """Scan a file (or the shipped census data), write what was asked for; lines to print."""
    if path is None:
        frame, source = census_table(), "UCI Adult (shipped copy), train + test rows"
        quasi_identifiers = quasi_identifiers or list(ADULT_QUASI_IDENTIFIERS)
        sensitive = sensitive or "income"
    else:
        frame, source = read_table(path), str(path)
    # refuse bad output paths before the (longer) scan
    for out in (redact_to, generalise_to, json_out):
        if out is not None:
            check_output_path(out, source=path, overwrite=overwrite)
    if redact_to is not None and path is None:
        from audit.data_privacy._errors import RedactionPathError

        raise RedactionPathError("--redact-to", "an input FILE with text columns",
                                 "no FILE (the census data has no text column)",
                                 "pass the CSV/JSONL file to redact: rai-audit scan FILE --text-column ...")
    outcome: list[GeneralisationOutcome] = []
    section = scan_table(frame, quasi_identifiers, sensitive=sensitive, k_target=k_target,
                         l_target=l_target, max_suppression=max_suppression,
                         text_columns=text_columns, phone_region=phone_region, source=source,
                         outcome=outcome)
    lines = list(section.notes)
    lines.append("timings: " + ", ".join(f"{k.removesuffix('_seconds')} {v:.2f} s"
                                         for k, v in section.timings.items()))
    if generalise_to is not None and outcome:
        written = write_table(outcome[0].table(frame), generalise_to, source=path, overwrite=overwrite)
        lines.append(f"generalised table (k = {outcome[0].summary.k}): {written}")
    if redact_to is not None:
        done = redact_file(path, redact_to, text_columns, overwrite=overwrite, phone_region=phone_region)
        lines.append(f"redacted copy: {done.output} (original unchanged)")
    if json_out is not None:
        atomic_write_bytes(json_out, TypeAdapter(DataPrivacySection).dump_json(section, indent=2))
        lines.append(f"scan result: {json_out}")
    return lines
