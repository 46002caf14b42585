"""A version's reference scores, computed once and kept on disk.

Scoring the reference sample needs the version's model: loading it (hash check, unpickling) and
predicting on every row took ~15% of a ``monitor`` run. The scores depend only on the version's
model artifact, its reference sample and its charter (features, positive class), so they are
cached under ``<home>/cache/monitoring/<model>/<version>-<key>.npz`` where ``key`` is a hash of
the artifact's and the sample's sha256 and the charter: a re-registered or different version can
never reuse stale numbers. The file holds one float64 array (NumPy's ``.npz``, read with
``allow_pickle=False``); it is written to a temporary name and renamed, so a reader sees a whole
file or none. A file that cannot be read, or whose array has the wrong shape or type, is ignored
and rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import quote

import numpy as np
import numpy.typing as npt

__all__ = ["cache_key", "read_scores", "scores_path", "write_scores"]

_ARRAY = "scores"  # the array's name in the file


def cache_key(*parts: str) -> str:
    """A short, stable hash of what the cached numbers depend on."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:20]


def scores_path(cache_dir: Path, model: str, version: int, key: str) -> Path:
    """Where ``model@version``'s reference scores for ``key`` live."""
    return cache_dir / quote(model, safe="") / f"{version}-{key}.npz"


def read_scores(path: Path, n_rows: int) -> npt.NDArray[np.float64] | None:
    """The cached scores, or ``None`` when absent, unreadable or not ``n_rows`` float64s."""
    if not path.is_file():
        return None
    try:
        with path.open("rb") as handle:
            data = np.load(handle, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                return None
            with data:
                scores = np.asarray(data[_ARRAY])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    if scores.dtype != np.float64 or scores.shape != (n_rows,):
        return None
    return scores


def write_scores(path: Path, scores: npt.NDArray[np.float64]) -> None:
    """Write ``scores`` atomically; a cache that cannot be written is only a lost speed-up."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".npz", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, scores=np.asarray(scores, dtype=np.float64))
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
