"""Content types and download file names that end up in signed headers."""

from __future__ import annotations

import pytest

from storage_service.domain.http_headers import (
    clean_download_filename,
    content_disposition,
    is_valid_content_type,
)

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "value",
    [
        "text/csv",
        "application/json",
        "text/csv; charset=utf-8",
        'text/plain; format="flowed"',
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
def test_valid_content_types(value: str) -> None:
    assert is_valid_content_type(value)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "text",
        "text/",
        "/csv",
        "text/csv\r\nX-Evil: 1",
        "text/csv;\n charset=utf-8",
        'text/csv; a="é"',
        "text/csv " + "x" * 300,
        "tëxt/csv",
    ],
)
def test_invalid_content_types(value: str) -> None:
    assert not is_valid_content_type(value)


def test_ascii_disposition_has_no_extended_form() -> None:
    assert content_disposition("report.csv") == 'attachment; filename="report.csv"'


def test_non_ascii_disposition_uses_rfc_8187() -> None:
    header = content_disposition("résumé 2024.csv")
    assert header == (
        "attachment; filename=\"r_sum_ 2024.csv\"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024.csv"
    )


def test_disposition_escapes_quotes_and_separators() -> None:
    header = content_disposition('a"b;c.csv')
    assert header.startswith("attachment; filename=\"a_b_c.csv\"; filename*=UTF-8''")
    assert "%22" in header
    assert "%3B" in header
    assert "\n" not in content_disposition("a\nb")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.csv", "report.csv"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\data.csv", "data.csv"),
        ("evil\u202egpj.exe", "evilgpj.exe"),  # right-to-left override removed
        ("tab\there.csv", "tabhere.csv"),
        ("...", ""),
        ("e\u0301t\u00e9.csv", "\u00e9t\u00e9.csv"),  # NFC
        ("x" * 300 + ".csv", "x" * 255),
    ],
)
def test_clean_download_filename(raw: str, clean: str) -> None:
    assert clean_download_filename(raw) == clean
