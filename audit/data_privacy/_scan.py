"""The whole data privacy scan of one table: validate, measure, search, collect one section."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import pandas as pd

from audit.data_privacy._classes import anonymity
from audit.data_privacy._discovery import column_risks, combination_risks
from audit.data_privacy._errors import (
    FIX_K_TOO_LARGE,
    FIX_MISSING_QI,
    KTooLargeError,
    PrivacyColumnMissingError,
    QuasiIdentifierMissingError,
)
from audit.data_privacy._generalise import GeneralisationOutcome, search_generalisation
from audit.data_privacy._text import check_text_column, scan_text_column
from audit.errors import EmptyTableError, Problem, RaiAuditError, raise_problems, suggest
from audit.result import DataPrivacySection


def default_quasi_identifiers(frame: pd.DataFrame, exclude: Sequence[str] = (),
                              max_distinct: int = 100) -> list[str]:
    """Columns with 2 to ``max_distinct`` distinct values (identifiers and free text excluded)."""
    out = []
    for column in frame.columns:
        if column in exclude:
            continue
        distinct = frame[column].nunique(dropna=False)
        if 2 <= distinct <= max_distinct:
            out.append(str(column))
    return out


def validate_scan(frame: pd.DataFrame, quasi_identifiers: Sequence[str], *, k_target: int,
                  sensitive: str | None = None, text_columns: Sequence[str] = ()) -> None:
    """Check the scan's inputs, reporting every problem together.

    Raises
    ------
    QuasiIdentifierMissingError, PrivacyColumnMissingError, KTooLargeError, NotTextColumnError,
    EmptyTableError
    """
    columns = [str(c) for c in frame.columns]
    if len(frame) == 0:
        raise EmptyTableError("table", "at least one row", "0 rows", "scan a table that has rows")
    problems = []
    missing = [q for q in quasi_identifiers if q not in frame.columns]
    for q in missing:
        problems.append(Problem(QuasiIdentifierMissingError, f"quasi-identifier {q!r}",
                                f"a column of the table ({columns})", "no such column",
                                FIX_MISSING_QI + "." + suggest(q, columns)))
    if sensitive is not None and sensitive not in frame.columns:
        problems.append(Problem(PrivacyColumnMissingError, f"sensitive column {sensitive!r}",
                                f"a column of the table ({columns})", "no such column",
                                "name the column to measure l-diversity on." + suggest(sensitive, columns)))
    if k_target > len(frame):
        problems.append(Problem(KTooLargeError, "k_target", f"at most the number of rows ({len(frame):,})",
                                f"k_target = {k_target:,}", FIX_K_TOO_LARGE))
    for column in text_columns:
        try:
            check_text_column(frame, column)
        except RaiAuditError as exc:
            problems += exc.problems
    raise_problems(problems)


def scan_table(frame: pd.DataFrame, quasi_identifiers: Sequence[str] | None = None, *,
               sensitive: str | None = None, k_target: int = 5, l_target: int = 2,
               max_suppression: float = 0.01, generalise: bool = True, n_smallest: int = 10,
               text_columns: Sequence[str] = (), bin_widths: Mapping[str, Sequence[float]] | None = None,
               rare_thresholds: Sequence[float] = (0.01, 0.05, 0.1, 0.2), beam_width: int = 4,
               phone_region: str = "US", source: str = "table",
               outcome: list[GeneralisationOutcome] | None = None) -> DataPrivacySection:
    """Re-identification risk of ``frame`` and personal data in its text columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table of original (not encoded) values.
    quasi_identifiers : sequence of str, optional
        Columns an attacker could know; default :func:`default_quasi_identifiers`.
    sensitive : str, optional
        Column whose diversity inside each class is measured (l-diversity).
    k_target, l_target : int
        Targets the table is judged against and the generalisation aims at.
    max_suppression : float
        Share of rows the generalisation may remove.
    outcome : list, optional
        If given, the :class:`GeneralisationOutcome` is appended (to write the generalised table).

    Examples
    --------
    >>> frame = pd.DataFrame({"age": [30, 31, 30, 52], "sex": list("FFFM"), "y": [0, 1, 1, 0]})
    >>> s = scan_table(frame, ["age", "sex"], sensitive="y", k_target=2, max_suppression=0.25)
    >>> s.anonymity.k, s.generalisation.k
    (1, 3)
    """
    ticks = {}
    tick = time.perf_counter()
    text_columns = list(text_columns)
    qis = list(quasi_identifiers if quasi_identifiers is not None else default_quasi_identifiers(
        frame, exclude=[c for c in [sensitive, *text_columns] if c is not None]))
    validate_scan(frame, qis, k_target=k_target, sensitive=sensitive, text_columns=text_columns)
    tabular = frame.drop(columns=text_columns)
    risk = anonymity(tabular, qis, k_target=k_target, sensitive=sensitive, l_target=l_target,
                     n_smallest=n_smallest)
    ticks["anonymity_seconds"] = time.perf_counter() - tick
    tick = time.perf_counter()
    columns = column_risks(tabular, qis, sensitive)
    combinations = combination_risks(tabular, qis, sensitive)
    ticks["discovery_seconds"] = time.perf_counter() - tick
    generalisation = None
    if generalise and qis:
        tick = time.perf_counter()
        found = search_generalisation(tabular, qis, k_target, max_suppression=max_suppression,
                                      sensitive=sensitive, bin_widths=bin_widths,
                                      rare_thresholds=rare_thresholds, beam_width=beam_width)
        generalisation = found.summary
        if outcome is not None:
            outcome.append(found)
        ticks["generalisation_seconds"] = time.perf_counter() - tick
    tick = time.perf_counter()
    text = tuple(scan_text_column(frame, c, phone_region=phone_region) for c in text_columns)
    ticks["text_seconds"] = time.perf_counter() - tick
    return DataPrivacySection(
        source=source, n_rows=len(frame), n_columns=frame.shape[1], anonymity=risk,
        columns=columns, combinations=combinations, generalisation=generalisation, text=text,
        notes=scan_notes(risk, generalisation, text), timings=ticks)


def scan_notes(risk, generalisation, text) -> tuple[str, ...]:
    """Plain-language sentences for the report."""
    notes = [
        f"{risk.unique_rows:,} of {risk.n_rows:,} rows ({risk.unique_share:.1%}) are unique on the "
        f"{len(risk.quasi_identifiers)} quasi-identifiers: anyone who knows these attributes of such "
        f"a person can single out their record (prosecutor risk 1/k = {risk.prosecutor_risk_max:.2f}).",
        f"The table is {risk.k}-anonymous; {risk.rows_below_k_target:,} rows "
        f"({risk.share_below_k_target:.1%}) are in classes smaller than the target k = {risk.k_target}.",
    ]
    if risk.sensitive is not None:
        notes.append(
            f"l-diversity of {risk.sensitive!r}: {risk.classes_below_l_target:,} classes "
            f"({risk.rows_below_l_target:,} rows) have fewer than {risk.l_target} distinct values, so "
            f"membership in such a class reveals the value (distinct l = {risk.l_distinct}).")
    if generalisation is not None:
        g = generalisation
        changed = [f"{lv.column}: {lv.description}" for lv in g.levels if lv.level > 0]
        gone = [lv.column for lv in g.levels if lv.level == lv.n_levels - 1]
        notes.append(
            f"{'Reaching' if g.reached else 'Not reaching'} k = {g.k_target} within the "
            f"{g.max_suppression:.0%} row-suppression cap ({g.strategy} search, "
            f"{g.nodes_evaluated} generalisations tried) takes: {'; '.join(changed) or 'nothing'}, "
            f"suppressing {g.suppressed_rows:,} rows ({g.suppressed_share:.2%})"
            + (f" and removing {len(gone)} of {len(g.levels)} quasi-identifiers entirely "
               f"({', '.join(gone)})" if gone else "")
            + f"; information lost: NCP {g.ncp:.3f} (0 = none, 1 = everything).")
    for t in text:
        total = sum(t.counts.values())
        notes.append(f"Text column {t.column!r}: {total:,} personal-data findings in "
                     f"{t.rows_with_pii:,} of {t.n_rows:,} rows.")
    notes.append("The smallest classes are listed with their quasi-identifier values: these are the "
                 "most exposed records, shown for this internal audit only; share the report accordingly.")
    return tuple(notes)
