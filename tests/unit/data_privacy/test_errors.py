"""One test per bad input: the typed error, and a message naming the thing and the fix."""

from __future__ import annotations

import pandas as pd
import pytest

from audit.data_privacy import (
    KTooLargeError,
    NotTextColumnError,
    PrivacyColumnMissingError,
    QuasiIdentifierMissingError,
    RedactionPathError,
    scan_table,
    write_table,
)
from audit.data_privacy._errors import FIX_K_TOO_LARGE, FIX_MISSING_QI, FIX_NOT_TEXT, FIX_SAME_PATH
from audit.errors import EmptyTableError, MissingColumnError, OutputPathError

FRAME = pd.DataFrame({"age": [30, 41, 30], "sex": ["F", "M", "F"], "note": ["a", "b", "c"],
                      "income": ["<=50K", ">50K", "<=50K"]})


def test_quasi_identifier_missing():
    with pytest.raises(QuasiIdentifierMissingError) as info:
        scan_table(FRAME, ["age", "gender"])
    assert isinstance(info.value, MissingColumnError) and isinstance(info.value, ValueError)
    assert "'gender'" in str(info.value) and FIX_MISSING_QI in str(info.value)


def test_every_missing_column_is_reported_together():
    with pytest.raises(QuasiIdentifierMissingError) as info:
        scan_table(FRAME, ["agee", "gender"], sensitive="incme", k_target=10)
    kinds = [p.error for p in info.value.problems]
    assert kinds == [QuasiIdentifierMissingError, QuasiIdentifierMissingError, PrivacyColumnMissingError,
                     KTooLargeError]
    assert "Did you mean 'age'?" in str(info.value) and "'incme'" in str(info.value)


def test_k_larger_than_the_table():
    with pytest.raises(KTooLargeError) as info:
        scan_table(FRAME, ["age"], k_target=4)
    assert "k_target = 4" in str(info.value) and "(3)" in str(info.value)
    assert FIX_K_TOO_LARGE in str(info.value)


def test_text_column_that_is_not_text():
    with pytest.raises(NotTextColumnError) as info:
        scan_table(FRAME, ["sex"], k_target=2, text_columns=["age"])
    assert "text column 'age'" in str(info.value) and FIX_NOT_TEXT in str(info.value)


def test_output_path_equal_to_input(tmp_path):
    source = tmp_path / "data.csv"
    FRAME.to_csv(source, index=False)
    with pytest.raises(RedactionPathError) as info:
        write_table(FRAME, source, source=source, overwrite=True)
    assert isinstance(info.value, OutputPathError)
    assert FIX_SAME_PATH in str(info.value) and "data.csv" in str(info.value)


def test_empty_table():
    with pytest.raises(EmptyTableError):
        scan_table(FRAME.iloc[:0], ["age"], k_target=1)
