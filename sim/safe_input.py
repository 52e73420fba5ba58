"""Reading what users write, safely: strict UTF-8, bounded TOML nesting, ASCII numbers, safe names.

Small and separate from `sim.scenario` so that every reader of a user's file (scenarios,
mediators, variants, priors, sensitivity parameters, `validate`) refuses the same
things with the same one line:

* invalid UTF-8 is an error naming the byte, never silently replaced;
* TOML nested deeper than `MAX_DEPTH` (arrays or tables) is refused, instead of a
  `RecursionError` in the parser or in a later walk over the tables;
* a number typed with non-ASCII digits (``-٦``) is not a number (Python's `int`
  and `float` would read it as -6);
* a name that becomes a path (`scenario.name`) uses ``[a-z0-9_-]`` only, so no
  name can lead a write outside the folder the user chose.
"""

from __future__ import annotations

import re
import tomllib
from typing import Any

from sim.errors import UserError

MAX_DEPTH = 32
"""Deepest nesting of TOML tables and arrays accepted (the shipped files use 4)."""

NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
"""What a name that becomes a file or folder name may be."""


def decode_utf8(raw: bytes, file: str) -> str:
    """`raw` as text, or a UserError naming the first invalid byte."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise UserError(
            f"not valid UTF-8: byte 0x{raw[error.start]:02x} at offset {error.start} "
            f"(line {line}); save the file as UTF-8",
            file=file,
        ) from None


def parse_toml(text: str, file: str) -> dict[str, Any]:
    """Parse TOML text, refusing syntax errors and nesting deeper than `MAX_DEPTH`."""
    if _bracket_depth(text) > MAX_DEPTH:  # before tomllib recurses into them
        raise _too_deep(file)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"not valid TOML: {error}", file=file) from None
    except RecursionError:
        raise _too_deep(file) from None
    if _depth(data) > MAX_DEPTH:  # dotted keys (a.b.c...) nest without brackets
        raise _too_deep(file)
    return data


def _too_deep(file: str) -> UserError:
    return UserError(f"nested too deeply; expected at most {MAX_DEPTH} levels", file=file)


def _bracket_depth(text: str) -> int:
    # Nesting of brackets outside strings and comments (table headers count 1).
    depth = deepest = 0
    quote = None
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\" and quote == '"':
                i += 1
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#":
            while i < len(text) and text[i] != "\n":
                i += 1
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def _depth(data: Any) -> int:
    """Nesting depth of parsed data, without recursion."""
    deepest = 0
    stack = [(data, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def is_ascii_number_text(text: str) -> bool:
    """False for text Python would read as a number only through non-ASCII digits."""
    return text.isascii()


def check_name(name: str, *, file: str, key: str) -> str:
    """Refuse a name that is empty or not ``[a-z0-9][a-z0-9_-]*`` (at most 64 characters)."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
        raise UserError(
            f"expected a name of lower-case letters, digits, '_' and '-' (at most 64, "
            f"starting with a letter or digit), got {name!r}",
            file=file,
            key=key,
        )
    return name
