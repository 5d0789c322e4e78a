"""The sanitiser: every user string that reaches a generated file passes through here first.

Spec names, space descriptions and file names can hold anything (quotes, newlines, code). Generated source uses
them only as a class name made of ASCII letters and digits, or as docstring text with every character that could
end the string or break a line escaped; a folder name keeps letters, digits, dots, dashes and underscores.
"""

from __future__ import annotations

import keyword
import re

MAX_NAME = 60
MAX_TEXT = 90
_WORD_PARTS = re.compile(r"[A-Za-z0-9]+")
_FOLDER_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def class_name(text: str, reserved: frozenset[str] = frozenset()) -> str:
    """A CamelCase Python class name from `text` ('mobilenet_v2' → 'MobilenetV2'), never a keyword, never one of
    `reserved` (the names the generated file defines itself) and at most MAX_NAME characters."""
    parts = _WORD_PARTS.findall(text)
    name = "".join(part[0].upper() + part[1:] for part in parts)[:MAX_NAME] or "Network"
    if name[0].isdigit():
        name = ("Net" + name)[:MAX_NAME]
    while keyword.iskeyword(name) or name in reserved:
        name += "Net"
    return name


def is_identifier(text: str) -> bool:
    """True for a plain Python identifier that is not a keyword (safe as an attribute or keyword argument)."""
    return text.isidentifier() and text.isascii() and not keyword.iskeyword(text)


def docstring_text(text: str, limit: int = MAX_TEXT) -> str:
    """`text` made safe inside a triple-quoted docstring on one line: whitespace runs become one space, then
    backslashes, quotes and unprintable characters are escaped, and long text is cut at `limit` characters."""
    flat = " ".join(str(text).split())
    if len(flat) > limit:
        flat = flat[:limit - 1].rstrip() + "…"
    out = []
    for char in flat:
        if char in '\\"':
            out.append("\\" + char)
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def comment_text(text: str, limit: int = MAX_TEXT) -> str:
    """`text` on one comment line: whitespace runs become one space, unprintable characters are dropped."""
    flat = "".join(c for c in " ".join(str(text).split()) if c.isprintable())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"


def folder_name(text: str) -> str:
    """A file-system-safe folder name from `text`: unsafe runs become '_', no leading dot, never empty."""
    name = _FOLDER_UNSAFE.sub("_", str(text)).lstrip(".")[:MAX_NAME]
    return name or "network"
