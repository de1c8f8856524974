"""reporting.csv_export: cells a spreadsheet would run are neutralised, everything else is written as it is."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from reporting.csv_export import csv_lines, neutralise, streamed_csv


@pytest.mark.parametrize(
    "text", ["=1+1", "+1", "-1+1", "@SUM(A1:A2)", "\tindented", "\rreturn", '=HYPERLINK("http://x","y")', "-"]
)
def test_neutralise_prefixes_formula_starts_with_an_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Printer on fire", "a=b", "1+1", " =leading space", "", "'quoted"])
def test_neutralise_keeps_ordinary_text(text):
    assert neutralise(text) == text


def test_neutralise_writes_numbers_as_numbers_and_other_values_plainly():
    # a negative amount is a number, not a formula
    assert neutralise(-5) == -5 and neutralise(Decimal("-1.50")) == Decimal("-1.50") and neutralise(2.5) == 2.5
    assert neutralise(None) == "" and neutralise(True) == "yes" and neutralise(False) == "no"
    assert neutralise(datetime(2026, 3, 1, 9, 30, 15, 999, tzinfo=UTC)) == "2026-03-01T09:30:15+00:00"


def test_neutralise_applies_to_any_object_written_as_text():
    class Sneaky:
        def __str__(self) -> str:
            return "=cmd|' /C calc'!A0"

    assert neutralise(Sneaky()) == "'=cmd|' /C calc'!A0"


def test_csv_lines_starts_with_a_bom_and_neutralises_header_and_cells():
    lines = list(csv_lines(["Subject", "=Header"], [["=bad", 3], ["ok, with comma", None]]))
    assert lines[0].startswith("\ufeff")
    rows = list(csv.reader(io.StringIO("".join(lines).lstrip("\ufeff"))))
    assert rows == [["Subject", "'=Header"], ["'=bad", "3"], ["ok, with comma", ""]]


def test_csv_lines_is_lazy():
    # given rows that are produced one by one
    produced = []

    def rows():
        for i in range(3):
            produced.append(i)
            yield [i]

    lines = csv_lines(["n"], rows())
    # when only the header and the first row are read
    next(lines), next(lines)
    # then only the first row was produced
    assert produced == [0]


def test_streamed_csv_sets_a_safe_attachment_name():
    response = streamed_csv(filename='../../etc/pass"wd\r\n.csv', header=["a"], rows=[["=1"]])
    assert response["Content-Disposition"] == 'attachment; filename="..-..-etc-pass-wd--.csv"'
    assert b"".join(response.streaming_content).decode("utf-8-sig") == "a\r\n'=1\r\n"
