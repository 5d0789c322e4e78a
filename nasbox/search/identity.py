"""A run's identity: what gives its results their meaning, recorded in its config.yaml and checked whenever it is
resumed.

It is the settings that decide what a trial's result means (`SearchConfig.identity`) and the *content* of the files
they name: the space file, the latency table and every dataset file, by SHA-256 (the dataset's per-file digests
live in `data.sha256` beside config.yaml, in `sha256sum` format, and config.yaml holds the digest of that
list). Resuming after a file's content changed is refused, naming the file, unless `--force-resume` says to go on
and record the change. The nasbox, torch and Optuna versions that wrote the run are recorded too: a resume under
other versions is allowed, with a warning naming them.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.files import file_sha256

if TYPE_CHECKING:
    from nasbox.data import ImageDataset
    from nasbox.search.config import SearchConfig
    from nasbox.space.space import Space

DATA_MANIFEST = "data.sha256"


@dataclass(frozen=True)
class Identity:
    """What a run directory must agree with to be resumed."""

    settings: dict[str, Any]
    files: dict[str, dict[str, str]]  # "space" / "latency_table" → {path: sha256}
    data_manifest: str  # `sha256sum` lines of the dataset's files
    versions: dict[str, str]

    @property
    def data(self) -> dict[str, Any]:
        """What config.yaml records of the dataset's files: their count and the digest of their manifest."""
        return {"files": len(self.data_manifest.splitlines()),
                "sha256": hashlib.sha256(self.data_manifest.encode()).hexdigest()}

    def record(self) -> dict[str, Any]:
        """The identity as config.yaml holds it (the manifest goes to its own file)."""
        return {"identity": self.settings, "files": {**self.files, "data": self.data}, "versions": self.versions}


def identify(config: SearchConfig, space: Space, dataset: ImageDataset) -> Identity:
    """The identity of the run `config` describes, with the content digests of its files."""
    files = {"space": {space.source: file_sha256(space.source)}}
    if config.latency_table is not None:
        files["latency_table"] = {config.latency_table: file_sha256(config.latency_table)}
    manifest = "".join(f"{file_sha256(path)}  {Path(path).resolve()}\n" for path in dataset.files)
    return Identity(config.identity(), files, manifest, current_versions())


def current_versions() -> dict[str, str]:
    import nasbox

    return {"nasbox": nasbox.__version__, "torch": version("torch"), "optuna": version("optuna")}


def file_changes(stored: dict[str, Any], stored_manifest: str | None, identity: Identity) -> list[dict[str, str]]:
    """Each file whose recorded content differs from what is on disk now: {file, was, now} (digests, or 'none'
    for a file that was not there)."""
    recorded = stored.get("files") or {}
    changes = []
    for kind in ("space", "latency_table"):
        was, now = recorded.get(kind) or {}, identity.files.get(kind) or {}
        for path in sorted(set(was) | set(now)):
            if was.get(path) != now.get(path):
                changes.append({"file": path, "was": was.get(path, "none"), "now": now.get(path, "none")})
    if (recorded.get("data") or {}).get("sha256") != identity.data["sha256"]:
        was, now = _manifest(stored_manifest or ""), _manifest(identity.data_manifest)
        changes += [{"file": path, "was": was.get(path, "none"), "now": now.get(path, "none")}
                    for path in sorted(set(was) | set(now)) if was.get(path) != now.get(path)]
    return changes


def refuse_changes(run_path: Path, changes: list[dict[str, str]]) -> None:
    """The one line that refuses to resume a run whose files changed."""
    first = changes[0]
    more = f" (and {len(changes) - 1} other file(s))" if len(changes) > 1 else ""
    state = ("is gone" if first["now"] == "none" else "is new" if first["was"] == "none" else
             f"has changed since (sha256 {first['was'][:12]}…, now {first['now'][:12]}…)")
    raise NasboxError(f"--run-dir: {run_path} was made with {first['file']}, whose content {state}{more}; give "
                      "another --run-dir for a new run, or pass --force-resume to continue this one and record the "
                      "change")


def version_warning(stored: dict[str, Any]) -> str | None:
    """A warning naming the versions that differ from those that last wrote the run, or None."""
    was, now = stored.get("versions") or {}, current_versions()
    differ = [name for name in now if was.get(name) != now[name]]
    if not differ:
        return None
    then = ", ".join(f"{name} {was.get(name, 'unknown')}" for name in differ)
    today = ", ".join(f"{name} {now[name]}" for name in differ)
    return f"this run was written by {then}; resuming it with {today}: new trials may score slightly differently"


def change_records(changes: list[dict[str, str]]) -> list[dict[str, str]]:
    """The changes as config.yaml's `changes` list records them, stamped with the time of the resume."""
    when = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return [{"when": when, **change} for change in changes]


def _manifest(text: str) -> dict[str, str]:
    return {path: digest for digest, _, path in (line.partition("  ") for line in text.splitlines())}
