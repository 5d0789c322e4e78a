"""User-facing errors: every one carries a single line that names the problem and the fix."""

from __future__ import annotations


class NasboxError(Exception):
    """A problem in the user's input; the CLI prints it as one line and exits with status 2."""


class SpecError(NasboxError):
    """An ArchSpec that cannot be read, validated or built; `path` locates the offending field."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}" if path else message)
