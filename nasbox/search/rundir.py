"""The run directory: the unit of a search's state. It holds the resolved config (the run's identity, the
hypervolume's reference point and the last invocation's settings), the Optuna journal, the front and the
TensorBoard events; the same command pointed at it again resumes it.

Everything is checked before anything is written: a refusal (another identity, a changed file, a path that is
not a run directory) leaves the directory byte for byte as it was, and a path that cannot be created or written is
one line before anything is trained.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from nasbox.errors import NasboxError
from nasbox.files import read_text
from nasbox.search.config import SearchConfig, flag
from nasbox.search.identity import (
    DATA_MANIFEST,
    Identity,
    change_records,
    file_changes,
    refuse_changes,
    version_warning,
)
from nasbox.search.storage_files import write_atomically
from nasbox.units import format_count
from nasbox.yaml_io import dump_yaml, parse_yaml

CONFIG = "config.yaml"
JOURNAL = "study.journal"
TENSORBOARD = "tensorboard"
_RUN_LOCK = ".search.lock"
_ASK_LOCK = ".ask.lock"


@dataclass
class Resumption:
    """What checking a run directory found: whether it holds a run to resume, and what that run recorded."""

    resumed: bool
    stored: dict[str, Any] = field(default_factory=dict)
    changes: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class RunDir:
    """Paths of one run directory, and the locks that keep its processes from stepping on each other."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def journal(self) -> Path:
        return self.path / JOURNAL

    @property
    def tensorboard(self) -> Path:
        return self.path / TENSORBOARD

    def read_config(self) -> dict[str, Any]:
        return parse_yaml(read_text(self.path / CONFIG), str(self.path / CONFIG)) or {}

    def read_identity(self) -> dict[str, Any]:
        """The run's identity (space, objectives, budgets, data, proxy recipe, seed), for the commands that read a
        finished run; an error when the directory holds no run."""
        if not (self.path / CONFIG).is_file():
            raise NasboxError(f"{self.path}: no {CONFIG} here, so it is not a nasbox run directory; give the "
                              "--run-dir of a 'nasbox search'")
        return self.read_config().get("identity") or {}

    def invocation(self) -> SearchConfig:
        """The settings of the invocation that last started a search here (what its workers run)."""
        return SearchConfig.from_dict(self.read_config()["last_invocation"])

    def check_resumable(self, config: SearchConfig, identity: Identity) -> Resumption:
        """Whether this directory holds a run of the same identity (to resume) or no run; an error naming the first
        difference when it holds another run, or a run whose files changed (unless `config.force_resume`)."""
        if not self.path.exists():
            return Resumption(False)
        if not self.path.is_dir():
            raise NasboxError(f"--run-dir: {self.path} exists and is not a directory; give another --run-dir")
        config_file = self.path / CONFIG
        if not config_file.exists():
            if any(self.path.iterdir()):
                raise NasboxError(f"--run-dir: {self.path} is not empty and holds no nasbox run; give an empty or "
                                  "new directory")
            return Resumption(False)
        stored = self.read_config()
        if "files" not in stored:
            raise NasboxError(f"--run-dir: {self.path} was made by an older nasbox that did not record its files' "
                              "content, so resuming it could mix results of different settings; give another "
                              "--run-dir")
        if "test_fraction" not in stored.get("identity", {}):
            raise NasboxError(f"--run-dir: {self.path} was made by an older nasbox that split its data into train and "
                              "validation only, with no held-out test split; give another --run-dir")
        was_settings, now_settings = _flat(stored.get("identity", {})), _flat(identity.settings)
        for key, value in now_settings.items():
            if was_settings.get(key) != value:
                was, now = _shown(key, was_settings.get(key)), _shown(key, value)
                backend = (stored.get("last_invocation") or {}).get("backend", "local")
                made = f" made by the {backend} backend" if backend != config.backend else ""
                raise NasboxError(f"--run-dir: {self.path} holds a run{made} with {flag(key)} {was}, not {now}; "
                                  "rerun with the same settings to resume it, or give another --run-dir")
        manifest = self.path / DATA_MANIFEST
        changes = file_changes(stored, read_text(manifest) if manifest.exists() else None, identity)
        if changes and not config.force_resume:
            refuse_changes(self.path, changes)
        warning = version_warning(stored)
        return Resumption(True, stored, changes, [warning] if warning else [])

    def make(self) -> bool:
        """Create the directory (and its parents) when it is not there; returns whether it was created. A path
        that cannot be created is one line."""
        if self.path.is_dir():
            return False
        try:
            self.path.mkdir(parents=True)
        except OSError as exc:
            raise NasboxError(f"--run-dir: cannot create {self.path} ({exc.strerror or exc}); give a --run-dir in a "
                              "folder you can write") from None
        return True

    def write_config(self, config: SearchConfig, identity: Identity, reference: dict[str, float],
                     resumption: Resumption) -> None:
        """Write the resolved config: the identity, the reference point, the recorded file changes and the last
        invocation's settings."""
        changes = [*(resumption.stored.get("changes") or []), *change_records(resumption.changes)]
        record = {**identity.record(), "reference": reference, **({"changes": changes} if changes else {}),
                  "last_invocation": config.to_dict()}
        write_atomically(self.path / DATA_MANIFEST, identity.data_manifest)
        write_atomically(self.path / CONFIG, dump_yaml(record))

    def remove(self) -> None:
        """Remove a directory this invocation created, when it could not be set up."""
        shutil.rmtree(self.path, ignore_errors=True)

    def repair_journal(self) -> None:
        """Cut a line left half-written at the journal's end (a write that failed on a full disk), so that new
        trials are appended after a complete line; call it only under `exclusive`."""
        if not self.journal.exists():
            return
        with open(self.journal, "rb+") as file:
            data = file.read()
            if data and not data.endswith(b"\n"):
                file.truncate(data.rfind(b"\n") + 1)

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held by the `nasbox search` process for its whole life: a second search on the same directory is
        refused instead of failing the first one's running trials."""
        handle = _open_lock(self.path / _RUN_LOCK)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise NasboxError(f"--run-dir: {self.path} is in use by another 'nasbox search'; wait for it to end or "
                              "give another --run-dir") from None
        try:
            yield
        finally:
            handle.close()

    @contextlib.contextmanager
    def asking(self) -> Iterator[None]:
        """Held by a worker while it decides whether to start a trial and asks for it, so that workers never
        start more trials than were asked for."""
        handle = _open_lock(self.path / _ASK_LOCK)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            handle.close()


def _open_lock(path: Path) -> IO[str]:
    try:
        return open(os.fspath(path), "a")
    except OSError as exc:
        raise NasboxError(f"--run-dir: cannot write {path.parent} ({exc.strerror or exc}); give a --run-dir in a "
                          "folder you can write") from None


def _flat(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity with the proxy settings beside the others, so a difference names its own flag."""
    proxy = identity.get("proxy") or {}
    return {**{k: v for k, v in identity.items() if k != "proxy"}, **proxy}


def _shown(key: str, value: Any) -> str:
    if key.startswith("budget_") and isinstance(value, int):
        return format_count(value)
    if isinstance(value, list):
        return ",".join(map(str, value))
    return "none" if value is None else str(value)
