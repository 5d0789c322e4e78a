"""The units users write and nasbox prints: counts, and durations with a unit table per flag."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from nasbox import NasboxError
from nasbox.cli.main import make_parser
from nasbox.units import (
    LATENCY_UNITS,
    TIMEOUT_UNITS,
    format_count,
    format_duration,
    parse_count,
    parse_duration,
)

M = 10**6


# ------------------------------------------------------------------------------------------------- counts


@pytest.mark.parametrize(("text", "expected"), [
    ("600M", 600 * M),
    ("5M", 5 * M),
    ("1.5K", 1500),
    ("2G", 2 * 10**9),
    ("600m", 600 * M),
    ("2g", 2 * 10**9),
    ("1.5k", 1500),
    ("  600M ", 600 * M),
    ("600", 600),
])
def test_parse_count_reads_k_m_g_suffixes_in_either_case(text: str, expected: int) -> None:
    assert parse_count(text, "--budget-macs") == expected


@pytest.mark.parametrize("text", ["600Q", "-5M", "abc", "0", "", "5MM", "1e6", "0M", "M"])
def test_parse_count_refuses_what_is_not_a_positive_count(text: str) -> None:
    with pytest.raises(NasboxError) as info:
        parse_count(text, "--budget-params")
    message = str(info.value)
    assert message.startswith("--budget-params: ")
    assert repr(text) in message
    assert "K, M or G" in message
    assert "\n" not in message


def test_format_count_reads_back_through_parse_count() -> None:
    assert [format_count(v) for v in (600 * M, 1_814_000_000, 999_999, 512)] == ["600M", "1.814G", "1M", "512"]
    assert parse_count(format_count(600 * M), "--budget-macs") == 600 * M


# ------------------------------------------------------------------------------------------------- durations


@pytest.mark.parametrize(("text", "seconds"), [
    ("20ms", 0.02), ("20 ms", 0.02), ("1.5s", 1.5), ("800us", 800e-6), (" 0.5ms ", 0.5e-3), (".25s", 0.25),
    ("800µs", 800e-6),
])
def test_parse_duration_reads_us_ms_and_s(text: str, seconds: float) -> None:
    assert parse_duration(text, "--budget-latency", LATENCY_UNITS) == pytest.approx(seconds)


LATENCY = ("--budget-latency", LATENCY_UNITS, "write a duration such as 20ms (units us, ms, s)")
TIMEOUT = ("--timeout", TIMEOUT_UNITS, "write a duration such as 10m (units s, m, h)")


@pytest.mark.parametrize(("flag", "value", "problem"), [
    (LATENCY, "20", "'20' has no unit"),
    (LATENCY, "20 min", "unknown unit 'min'"),
    (LATENCY, "20MS", "unknown unit 'MS'"),
    (LATENCY, "0ms", "not a positive duration"),
    (LATENCY, "-5ms", "not a duration"),
    (LATENCY, "fast", "not a duration"),
    (LATENCY, "", "not a duration"),
    (LATENCY, "10m", "unknown unit 'm'"),
    (TIMEOUT, "90", "'90' has no unit"),  # the same rule for every flag: a bare number is no duration
    (TIMEOUT, 45, "'45' has no unit"),  # ... nor is a YAML number
    (TIMEOUT, 1.5, "'1.5' has no unit"),
    (TIMEOUT, "20ms", "unknown unit 'ms'"),
    (TIMEOUT, "0s", "not a positive duration"),
    (TIMEOUT, True, "not a duration"),
    (TIMEOUT, [10], "not a duration"),
], ids=lambda v: v[0] if isinstance(v, tuple) else None)
def test_parse_duration_refuses_in_one_line_naming_the_option_and_the_fix(flag: tuple, value: object,
                                                                           problem: str) -> None:
    option, units, fix = flag
    with pytest.raises(NasboxError) as error:
        parse_duration(value, option, units)
    message = str(error.value)
    assert message.startswith(f"{option}: ") and problem in message, message
    assert fix in message and "\n" not in message


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90.0), ("10m", 600.0), ("1.5h", 5400.0), (" 2 m ", 120.0),
                                               (".5s", 0.5)])
def test_timeouts_read_s_m_and_h(text: str, seconds: float) -> None:
    assert parse_duration(text, "--timeout", TIMEOUT_UNITS) == seconds


def test_format_duration_picks_a_readable_unit() -> None:
    assert [format_duration(s) for s in (850e-6, 0.0123, 0.25, 1.2)] == ["850us", "12.3ms", "250ms", "1.20s"]


def test_each_duration_flag_states_its_units_and_the_bare_number_rule_in_its_help() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        make_parser().parse_args(["search", "--help"])
    text = re.sub(r"\s+", " ", out.getvalue())
    for flag, units in (("--timeout", TIMEOUT_UNITS), ("--budget-latency", LATENCY_UNITS)):
        help_line = text[text.rindex(f"{flag} DURATION"):][:200]  # the options list, after the usage
        assert f"units {units.names()}; a number without a unit is refused" in help_line, help_line
