"""The run directory: the unit of a search's state. It holds the resolved config, the Optuna journal, the front
and the TensorBoard events; the same command pointed at it again resumes it."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from nasbox.errors import NasboxError
from nasbox.files import read_text
from nasbox.search.config import SearchConfig, flag
from nasbox.search.storage_files import write_atomically
from nasbox.units import format_count
from nasbox.yaml_io import dump_yaml, parse_yaml

CONFIG = "config.yaml"
JOURNAL = "study.journal"
TENSORBOARD = "tensorboard"
_RUN_LOCK = ".search.lock"
_ASK_LOCK = ".ask.lock"


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

    def check_resumable(self, config: SearchConfig) -> bool:
        """True when this directory holds a run of the same identity (to resume), False when it holds no run;
        an error naming the first difference when it holds another run."""
        if not self.path.exists():
            return False
        if not self.path.is_dir():
            raise NasboxError(f"--run-dir: {self.path} exists and is not a directory; give another --run-dir")
        config_file = self.path / CONFIG
        if not config_file.exists():
            if any(self.path.iterdir()):
                raise NasboxError(f"--run-dir: {self.path} is not empty and holds no nasbox run; give an empty or "
                                  "new directory")
            return False
        stored = _flat((parse_yaml(read_text(config_file), str(config_file)) or {}).get("identity", {}))
        for key, value in _flat(config.identity()).items():
            if stored.get(key) != value:
                was, now = _shown(key, stored.get(key)), _shown(key, value)
                raise NasboxError(f"--run-dir: {self.path} holds a run with {flag(key)} {was}, not {now}; rerun "
                                  "with the same settings to resume it, or give another --run-dir")
        return True

    def create(self, config: SearchConfig) -> None:
        """Make the directory and write the resolved config (the run's identity beside the invocation's settings)."""
        self.path.mkdir(parents=True, exist_ok=True)
        write_atomically(self.path / CONFIG, dump_yaml({"identity": config.identity(), "last_invocation":
                                                        config.to_dict()}))

    def read_config(self) -> dict[str, Any]:
        return parse_yaml(read_text(self.path / CONFIG), str(self.path / CONFIG)) or {}

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
    return open(os.fspath(path), "a")


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
