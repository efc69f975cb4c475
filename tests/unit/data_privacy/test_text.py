"""Personal data in text: detections on real-looking text, false positives, redaction to a new file."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from audit.data_privacy import (
    NotTextColumnError,
    PrivacyColumnMissingError,
    RedactionPathError,
    detectors,
    find_pii,
    luhn_valid,
    redact_file,
    redact_text,
    scan_text_column,
)
from audit.data_privacy._errors import FIX_OUTPUT_EXISTS, FIX_SAME_PATH


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, s.text) for s in find_pii(text)]


@pytest.mark.parametrize("text, expected", [
    ("Reach me at maria.gonzalez+news@mail.example.co.uk today.",
     [("EMAIL", "maria.gonzalez+news@mail.example.co.uk")]),
    ("Call (415) 555-0132 or +44 20 7946 0958.",
     [("PHONE", "(415) 555-0132"), ("PHONE", "+44 20 7946 0958")]),
    ("Paid with 4111 1111 1111 1111 and 5500-0000-0000-0004.",
     [("CREDIT_CARD", "4111 1111 1111 1111"), ("CREDIT_CARD", "5500-0000-0000-0004")]),
    ("Login from 192.168.1.20 and 2001:db8::8a2e:370:7334",
     [("IP_ADDRESS", "192.168.1.20"), ("IP_ADDRESS", "2001:db8::8a2e:370:7334")]),
    ("Ship to 1600 Pennsylvania Avenue, Apt 4B please",
     [("STREET_ADDRESS", "1600 Pennsylvania Avenue, Apt 4B")]),
    ("Ask John Smith or Dr. Watson; Mrs. Mary Jones agreed.",
     [("PERSON", "John Smith"), ("PERSON", "Dr. Watson"), ("PERSON", "Mrs. Mary Jones")]),
])
def test_detects_real_looking_personal_data(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize("text", [
    "Order 4111 1111 1111 1112 (fails Luhn) and ref 1234567812345678",   # 16 digits, not a card
    "Version 1.2.3.4.5 and bad address 999.1.1.1, meeting at 10:30:00",  # not IPs
    "Invoice 2024-01-05, amount 12,345.67, zip 94103",                    # not phones
    "The Quick Brown Fox met New York City on Monday Morning",            # capitalised, not names
    "0000 0000 0000 0000",                                               # Luhn-valid, all one digit
    "user at example dot com; @handle; a@b",                             # not emails
])
def test_no_false_positives(text):
    assert kinds(text) == []


def test_luhn():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert luhn_valid("378282246310005")  # Amex test number (15 digits)


def test_redact_text_replaces_spans_only():
    text = "Mail jane.doe@example.com, card 4111111111111111, phone +1 415-555-0132."
    assert redact_text(text) == "Mail [EMAIL], card [CREDIT_CARD], phone [PHONE]."
    assert redact_text("nothing personal") == "nothing personal"


def test_scan_column_counts_and_redacted_examples():
    frame = pd.DataFrame({"note": ["write to a@b.org or c@d.net", "call 415-555-0132", None, "fine"],
                          "n": [1, 2, 3, 4]})
    found = scan_text_column(frame, "note")
    assert found.counts["EMAIL"] == 2 and found.counts["PHONE"] == 1
    assert found.rows_with_pii == 2 and found.n_rows == 4
    assert found.examples == ("write to [EMAIL] or [EMAIL]", "call [PHONE]")
    assert "a@b.org" not in " ".join(found.examples)
    assert "PERSON" in detectors() and found.detectors == detectors()


def test_numeric_column_is_not_text():
    frame = pd.DataFrame({"n": [1, 2, 3], "mixed": ["a", 2, "c"]})
    with pytest.raises(NotTextColumnError, match="'n'"):
        scan_text_column(frame, "n")
    with pytest.raises(NotTextColumnError, match="'mixed'.*2"):
        scan_text_column(frame, "mixed")
    with pytest.raises(PrivacyColumnMissingError, match="'nope'"):
        scan_text_column(frame, "nope")


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_redact_csv_writes_a_new_file_and_keeps_the_original(tmp_path):
    source = tmp_path / "tickets.csv"
    source.write_text("id,note,zip\n1,\"Email bob.lee@corp.example, thanks\",00123\n2,no pii,\n"
                      "3,Card 4111 1111 1111 1111,94103\n")
    before = _digest(source)
    done = redact_file(source, tmp_path / "tickets.redacted.csv", ["note"])
    assert _digest(source) == before
    out = pd.read_csv(done.output, dtype=str, keep_default_na=False)
    assert out["note"].tolist() == ["Email [EMAIL], thanks", "no pii", "Card [CREDIT_CARD]"]
    assert out["zip"].tolist() == ["00123", "", "94103"]  # other cells exactly as in the file
    assert done.findings[0].rows_with_pii == 2


def test_redact_jsonl(tmp_path):
    source = tmp_path / "chat.jsonl"
    source.write_text("\n".join(json.dumps(r) for r in [
        {"id": 1, "text": "I am John Smith, 221B Baker Street"}, {"id": 2, "text": "hello"}]) + "\n")
    done = redact_file(source, tmp_path / "chat.clean.jsonl", ["text"])
    rows = [json.loads(line) for line in done.output.read_text().splitlines()]
    assert rows == [{"id": 1, "text": "I am [PERSON], [STREET_ADDRESS]"}, {"id": 2, "text": "hello"}]


def test_redaction_output_equal_to_input_is_refused(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("note\nx@y.org\n")
    before = _digest(source)
    with pytest.raises(RedactionPathError) as info:
        redact_file(source, tmp_path / "." / "a.csv", ["note"], overwrite=True)
    assert str(source) in str(info.value) and FIX_SAME_PATH in str(info.value)
    assert _digest(source) == before


def test_existing_output_needs_overwrite(tmp_path):
    source, target = tmp_path / "a.csv", tmp_path / "b.csv"
    source.write_text("note\nx@y.org\n")
    target.write_text("keep me")
    with pytest.raises(RedactionPathError, match="existing file") as info:
        redact_file(source, target, ["note"])
    assert FIX_OUTPUT_EXISTS in str(info.value)
    assert target.read_text() == "keep me"
    redact_file(source, target, ["note"], overwrite=True)
    assert pd.read_csv(target)["note"].tolist() == ["[EMAIL]"]


def test_redacting_a_numeric_column_is_refused(tmp_path):
    source = tmp_path / "a.csv"
    source.write_text("note,age\nhi,31\n")
    with pytest.raises(NotTextColumnError, match="'age'"):
        redact_file(source, tmp_path / "b.csv", ["age"])
    assert not (tmp_path / "b.csv").exists()
