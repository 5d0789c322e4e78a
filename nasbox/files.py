"""Reading user files with errors that say which file and what to do."""

from __future__ import annotations

from pathlib import Path

from nasbox.errors import NasboxError


def read_text(path: str | Path) -> str:
    """The UTF-8 text of `path`, or a NasboxError naming the file when it is missing or unreadable."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise NasboxError(f"{path}: no such file; check the path") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise NasboxError(f"{path}: cannot read it ({exc.__class__.__name__}); give a readable text file") from None


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
