"""``FsspecArtifactStore``: artifact bytes on a local disk or any fsspec URL (``s3://``, ``memory://``).

Writes go to ``<key>.tmp-<uuid>`` and are renamed into place, so a reader never sees half a file
and a crash leaves at most a stray temporary. Locally the bytes are fsynced before the rename. Reads
recompute the sha256 and refuse bytes that changed since registration.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem

from charter.config import redact_url
from charter.errors import (
    ArtifactIntegrityError,
    CharterError,
    DataError,
    NotFoundError,
    StorageError,
)
from charter.store.ports import ArtifactStore, StoredArtifact

__all__ = ["FsspecArtifactStore"]

_CHUNK = 1 << 20
_DRIVE = re.compile(r"^[A-Za-z]:")


def _check_key(key: str) -> None:
    parts = key.split("/")
    if (
        not key
        or key.startswith("/")
        or "\\" in key
        or "://" in key
        or _DRIVE.match(key)
        or any(part in ("", ".", "..") for part in parts)
    ):
        raise DataError(
            "The 'key' parameter of put must be a relative path without '.', '..' or empty "
            f"segments, like 'models/<name>/<sha256>/model.joblib'. Got {key!r} instead."
        )


@contextmanager
def _translated(doing: str, uri: str) -> Iterator[None]:
    """Turn fsspec and OS errors into ``charter.errors``; missing files become ``NotFoundError``."""
    try:
        yield
    except CharterError:
        raise
    except FileNotFoundError as exc:
        raise NotFoundError(f"artifact {redact_url(uri)} does not exist") from exc
    except Exception as exc:  # fsspec backends raise their own types; none may cross store/
        raise StorageError(
            f"artifact store failed while {doing} {redact_url(uri)}: {type(exc).__name__}: {exc}"
        ) from exc


class FsspecArtifactStore(ArtifactStore):
    """Artifacts under one root folder or fsspec URL; ``storage_options`` are passed to fsspec."""

    def __init__(self, url: str, **storage_options: Any) -> None:
        with _translated("opening", url):
            self._fs, root = fsspec.core.url_to_fs(url, **storage_options)
        self._root = root.rstrip("/")
        protocol = self._fs.protocol
        self._protocols = {protocol} if isinstance(protocol, str) else set(protocol)
        self._is_local = isinstance(self._fs, LocalFileSystem)

    def __repr__(self) -> str:
        return f"FsspecArtifactStore({redact_url(self.root_uri)!r})"

    @property
    def root_uri(self) -> str:
        """The absolute URI of the root folder."""
        return str(self._fs.unstrip_protocol(self._root))

    # --- paths ---------------------------------------------------------------------------------
    def uri_for(self, key: str) -> str:
        """The absolute URI ``key`` is (or would be) stored at."""
        _check_key(key)
        return str(self._fs.unstrip_protocol(f"{self._root}/{key}"))

    def _locate(self, uri: str) -> tuple[Any, str]:
        """The filesystem and path of ``uri``: this store's own, or another fsspec location."""
        protocol, _ = fsspec.core.split_protocol(uri)
        if protocol is None or protocol in self._protocols:
            return self._fs, str(self._fs._strip_protocol(uri))
        fs, path = fsspec.core.url_to_fs(uri)
        return fs, str(path)

    @staticmethod
    def _sha256_of(fs: Any, path: str) -> str:
        digest = hashlib.sha256()
        with fs.open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
        return digest.hexdigest()

    # --- the port ------------------------------------------------------------------------------
    def put(self, key: str, data: bytes) -> StoredArtifact:
        """Write ``data`` at ``key`` atomically; identical bytes already there are reused."""
        uri = self.uri_for(key)
        sha256 = hashlib.sha256(data).hexdigest()
        stored = StoredArtifact(uri=uri, sha256=sha256, size=len(data))
        path = f"{self._root}/{key}"
        with _translated("writing", uri):
            if self._fs.exists(path) and self._sha256_of(self._fs, path) == sha256:
                return stored
            self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
            temporary = f"{path}.tmp-{uuid.uuid4().hex}"
            try:
                if self._is_local:
                    self._write_local(temporary, path, data)
                else:
                    self._fs.pipe_file(temporary, data)
                    self._fs.mv(temporary, path)
            except BaseException:
                self._discard(temporary)
                raise
        return stored

    @staticmethod
    def _write_local(temporary: str, path: str, data: bytes) -> None:
        # fsync before the rename, so after a power cut the name never points at missing bytes;
        # os.replace (not shutil.move) so a folder in the way is an error, not a destination.
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        descriptor = os.open(os.path.dirname(path), os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def _discard(self, path: str) -> None:
        try:
            if self._fs.exists(path):
                self._fs.rm_file(path)
        except Exception:  # cleanup is best effort; the original error matters more
            return

    def get(self, uri: str, *, sha256: str) -> bytes:
        """Read ``uri`` and check it still has the sha256 recorded at registration."""
        with _translated("reading", uri):
            fs, path = self._locate(uri)
            data = bytes(fs.cat_file(path))
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ArtifactIntegrityError(
                f"artifact {redact_url(uri)} was modified after registration: expected sha256 "
                f"{sha256[:12]}…, found {actual[:12]}…; refusing to load"
            )
        return data

    def exists(self, uri: str) -> bool:
        with _translated("checking", uri):
            fs, path = self._locate(uri)
            return bool(fs.exists(path))

    def delete(self, uri: str) -> None:
        """Remove ``uri``; deleting what is already gone is a no-op, so cleanups can be retried."""
        with _translated("deleting", uri):
            fs, path = self._locate(uri)
            if fs.exists(path):
                fs.rm_file(path)
