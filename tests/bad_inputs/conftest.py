"""Prints the size of the bad-input catalogue after a run (and writes its table on request)."""

from __future__ import annotations

import os
from collections import Counter


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    from tests.bad_inputs import test_catalogue

    cases = test_catalogue.CASES
    groups = Counter(case.group for case in cases)
    typed = sum(1 for c in cases if c.error is not None)
    terminalreporter.write_line(
        f"bad-input catalogue: {len(cases)} cases ({', '.join(f'{n} {g}' for g, n in groups.items())}); "
        f"{typed} typed errors, {len(cases) - typed} stated warnings; "
        f"{len(test_catalogue.MESSAGES)} ran in this session")
    target = os.environ.get("RAI_AUDIT_CATALOGUE")
    if target and test_catalogue.MESSAGES:
        rows = ["| case | exit | error | message (first line) |", "|---|---|---|---|"]
        for case in cases:
            if case.id in test_catalogue.MESSAGES:
                error, code, message = test_catalogue.MESSAGES[case.id]
                shown = message.replace("|", "\\|")
                rows.append(f"| {case.id} | {code} | {error} | {shown} |")
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("\n".join(rows) + "\n")
