"""The detector trained from the shipped data, built once per machine and kept.

Training costs ~15 s of CPU, and tests start many fresh apps and processes: so the model
is kept in a file named by a hash of what it is made from (the training data, the
settings and the features version) in the model cache folder (MODERATION_MODEL_CACHE),
and `flask init-db`, every worker and every test process load it (~0.1 s) instead. A
change of data, settings or code makes a new name, hence a new build; two processes
that need it at once build it once (a file lock). The cache is derived data: deleting it
costs one build. A fresh install stores it as toxicity model version 1 (learning.py),
so production processes read it from the database, not from here."""
import fcntl
import functools
import hashlib
import json
import logging
import os
import threading
from pathlib import Path

from moderation.toxicity import training
from moderation.toxicity.detector import FEATURES_VERSION, Detector

log = logging.getLogger(__name__)
# Set once per process by create_app(): MODERATION_MODEL_CACHE.
_folder: list[Path | None] = [None]
_loaded: dict[str, Detector] = {}
_lock = threading.Lock()


def configure(folder: str | os.PathLike) -> None:
    _folder[0] = Path(folder)


@functools.cache  # the data file does not change under a running process
def cache_key() -> str:
    made_of = json.dumps([training.data_hash(), training.SETTINGS, FEATURES_VERSION],
                         sort_keys=True)
    return hashlib.sha256(made_of.encode()).hexdigest()[:16]


def cache_path(folder: Path | None = None) -> Path:
    folder = folder or _folder[0]
    if folder is None:
        raise RuntimeError("no model cache folder: create_app() sets MODERATION_MODEL_CACHE")
    return Path(folder) / f"toxicity-{cache_key()}.npz"


def default_detector(folder: Path | None = None, build: bool = True) -> Detector | None:
    """The detector trained from the shipped data, loaded once per process: from the
    cache file, or trained and written there first. With build=False, None instead of
    training (a web request must never wait ~15 s)."""
    path = cache_path(folder)
    found = _loaded.get(str(path))
    if found is not None:
        return found
    with _lock:
        if str(path) not in _loaded:
            detector = _read(path)
            if detector is None:
                if not build:
                    return None
                detector = _build(path)
            _loaded[str(path)] = detector
    return _loaded[str(path)]


def _read(path: Path) -> Detector | None:
    try:
        return Detector.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: build it again
        log.warning("ignoring the cached toxicity model %s: %s", path, exc)
        return None


def _build(path: Path) -> Detector:
    """Train and write the file, unless another process does it first (file lock)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            detector = _read(path)
            if detector is not None:  # built by another process while we waited
                return detector
            log.warning("training the toxicity model from the shipped data (once; kept in %s)",
                        path)
            texts, toxic, spans = training.read()
            detector = training.train(texts, toxic, spans)
            detector.config["data_sha256"] = training.data_hash()[:16]
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_bytes(detector.dumps())
            os.replace(temporary, path)
            return detector
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
