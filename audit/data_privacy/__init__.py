"""Data privacy scan, before any training: re-identification risk of a table and personal data
in its text.

Tabular: quasi-identifier discovery (uniqueness of columns and combinations), k-anonymity,
l-diversity (distinct and entropy), prosecutor risk, the smallest equivalence classes, and a
search for the generalisation (binning, coarsening, record suppression) that reaches a target k
with the least information loss. Text: emails, phone numbers, card numbers (Luhn), IP and street
addresses, person names (offline name lists), and redaction into a new file. Vectorised with
numpy/pandas; tests check every count against a brute-force pandas ``groupby``.
"""

from audit.data_privacy._audit import (
    census_table,
    raw_table,
    run_audit,
    scan_for_config,
    scan_with_config,
    training_callbacks,
)
from audit.data_privacy._classes import SIZE_BINS, anonymity, equivalence_classes, l_diversity
from audit.data_privacy._cli import run_scan
from audit.data_privacy._config import ADULT_QUASI_IDENTIFIERS, DataPrivacyAuditConfig
from audit.data_privacy._discovery import column_risks, combination_risks
from audit.data_privacy._errors import (
    DataPrivacyInputError,
    KTooLargeError,
    NotTextColumnError,
    PrivacyColumnMissingError,
    QuasiIdentifierMissingError,
    RedactionPathError,
)
from audit.data_privacy._files import read_table, write_table
from audit.data_privacy._generalise import (
    GeneralisationOutcome,
    Hierarchy,
    build_hierarchies,
    search_generalisation,
)
from audit.data_privacy._plugin import DataPrivacyAudit
from audit.data_privacy._scan import default_quasi_identifiers, scan_notes, scan_table, validate_scan
from audit.data_privacy._text import (
    PII_KINDS,
    PiiSpan,
    RedactionResult,
    detectors,
    find_pii,
    luhn_valid,
    redact_file,
    redact_text,
    scan_text_column,
)
from audit.result import DataPrivacySection

__all__ = [
    "ADULT_QUASI_IDENTIFIERS",
    "PII_KINDS",
    "SIZE_BINS",
    "DataPrivacyAudit",
    "DataPrivacyAuditConfig",
    "DataPrivacyInputError",
    "DataPrivacySection",
    "GeneralisationOutcome",
    "Hierarchy",
    "KTooLargeError",
    "NotTextColumnError",
    "PiiSpan",
    "PrivacyColumnMissingError",
    "QuasiIdentifierMissingError",
    "RedactionPathError",
    "RedactionResult",
    "anonymity",
    "build_hierarchies",
    "census_table",
    "column_risks",
    "combination_risks",
    "default_quasi_identifiers",
    "detectors",
    "equivalence_classes",
    "find_pii",
    "l_diversity",
    "luhn_valid",
    "raw_table",
    "read_table",
    "redact_file",
    "redact_text",
    "run_audit",
    "run_scan",
    "scan_for_config",
    "scan_notes",
    "scan_table",
    "scan_text_column",
    "scan_with_config",
    "search_generalisation",
    "training_callbacks",
    "validate_scan",
    "write_table",
]
