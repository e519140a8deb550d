"""Texts an attacker would send, and a hang guard for work that must stay near-linear.

The guard runs code in a fresh interpreter with a generous timeout: it does not time anything,
it only stops a test that would otherwise run for hours (quadratic work on a large input).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANG_GUARD_SECONDS = 120.0


def one_word_sentences(size: int) -> str:
    return "Yes. " * (size // 5)


def one_sentence(size: int) -> str:
    words = " ".join(f"word{n % 97}" for n in range(size // 7))
    return f"The {words}."


def numbers(count: int) -> str:
    return "Officials counted " + " ".join(str(n * 7919 % 100_000) for n in range(count)) + "."


def nested_quotes(depth: int) -> str:
    return "He said " + "“she said ‘" * depth + "no" + "’”" * depth + "."


def combining_marks(count: int) -> str:
    return "The council said " + "a" + "\u0301" * count + " bridge would reopen on Monday."


def direction_and_zero_width(repeats: int) -> str:
    return "The council said the bridge\u200b would\u200f reopen\u202e on Monday.\u2066 " * repeats


def finishes(code: str, *, timeout: float = HANG_GUARD_SECONDS) -> str:
    """Runs `code` in a new interpreter from the repository root; returns what it printed.

    Fails the calling test when the code raises or does not finish within `timeout` seconds.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"still running after {timeout:g} s") from error
    assert done.returncode == 0, done.stderr
    return done.stdout
