"""Regression: only ``ResultFormatError`` was caught when loading a result, so an unreadable
file (permissions, a vanished mount) or absurdly nested JSON showed a traceback in the app."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")

from dashboards import _state  # noqa: E402


def test_os_error_becomes_a_message(tmp_path, monkeypatch):
    path = tmp_path / "result.json"
    path.write_text("{}")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    message = _state.load_for_display(path)
    assert isinstance(message, str)
    assert "PermissionError" in message and "Permission denied" in message and "Fix:" in message


def test_deeply_nested_json_becomes_a_message(tmp_path):
    path = tmp_path / "result.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    message = _state.load_for_display(path)
    assert isinstance(message, str) and str(path) in message


def test_deeply_nested_upload_becomes_a_message():
    message = _state.load_upload(b"[" * 200_000 + b"]" * 200_000, "upload.json")
    assert isinstance(message, str) and "upload.json" in message
