"""``FsspecArtifactStore``: atomic writes, verified reads, clear errors, any fsspec URL."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import fsspec
import pytest

from charter.errors import ArtifactIntegrityError, DataError, NotFoundError, StorageError
from charter.store import ArtifactStore, open_artifact_store

KEY = "models/churn/" + "ab" * 32 + "/model.joblib"
DATA = b"\x80\x04model bytes\x00" * 100


def test_put_writes_atomically_and_returns_the_fingerprint(
    artifact_store: ArtifactStore, tmp_path: Path
) -> None:
    stored = artifact_store.put(KEY, DATA)

    path = tmp_path / "artifacts" / KEY
    assert stored.uri == path.as_uri()
    assert (stored.sha256, stored.size) == (hashlib.sha256(DATA).hexdigest(), len(DATA))
    assert path.read_bytes() == DATA
    assert [p.name for p in path.parent.iterdir()] == ["model.joblib"]  # no .tmp- left
    assert artifact_store.get(stored.uri, sha256=stored.sha256) == DATA
    assert artifact_store.exists(stored.uri)


def test_put_reuses_identical_bytes_and_replaces_different_ones(
    artifact_store: ArtifactStore, tmp_path: Path
) -> None:
    first = artifact_store.put(KEY, DATA)
    path = tmp_path / "artifacts" / KEY
    mtime = path.stat().st_mtime_ns

    again = artifact_store.put(KEY, DATA)
    assert (again.uri, again.sha256) == (first.uri, first.sha256)
    assert path.stat().st_mtime_ns == mtime

    replaced = artifact_store.put(KEY, b"other")
    assert path.read_bytes() == b"other"
    assert replaced.sha256 == hashlib.sha256(b"other").hexdigest()
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.joblib"]


def test_tampered_bytes_are_refused(artifact_store: ArtifactStore, tmp_path: Path) -> None:
    stored = artifact_store.put(KEY, DATA)
    path = tmp_path / "artifacts" / KEY
    path.write_bytes(DATA[:-1] + b"!")
    actual = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(ArtifactIntegrityError) as info:
        artifact_store.get(stored.uri, sha256=stored.sha256)
    assert str(info.value) == (
        f"artifact {stored.uri} was modified after registration: expected sha256 "
        f"{stored.sha256[:12]}…, found {actual[:12]}…; refusing to load"
    )
    assert isinstance(info.value, StorageError)


def test_missing_artifact_is_not_found(artifact_store: ArtifactStore, tmp_path: Path) -> None:
    uri = (tmp_path / "artifacts" / "models" / "gone.joblib").as_uri()

    with pytest.raises(NotFoundError) as info:
        artifact_store.get(uri, sha256="00" * 32)
    assert str(info.value) == f"artifact {uri} does not exist"
    assert not artifact_store.exists(uri)
    artifact_store.delete(uri)  # deleting what is gone is a no-op


def test_delete_removes_the_artifact(artifact_store: ArtifactStore) -> None:
    stored = artifact_store.put(KEY, DATA)
    artifact_store.delete(stored.uri)
    assert not artifact_store.exists(stored.uri)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "../escape.bin",
        "models/../../escape.bin",
        "/etc/passwd",
        "models//double.bin",
        "models/./dot.bin",
        "models/",
        "C:/windows.bin",
        "models\\windows.bin",
        "s3://bucket/key",
    ],
)
def test_unsafe_keys_are_refused(artifact_store: ArtifactStore, tmp_path: Path, key: str) -> None:
    with pytest.raises(DataError) as info:
        artifact_store.put(key, DATA)
    assert str(info.value) == (
        "The 'key' parameter of put must be a relative path without '.', '..' or empty segments, "
        f"like 'models/<name>/<sha256>/model.joblib'. Got {key!r} instead."
    )
    assert not (tmp_path / "escape.bin").exists()


def test_memory_url_works_end_to_end() -> None:
    root = f"memory://charter-{uuid.uuid4().hex}"
    store = open_artifact_store(root)
    try:
        stored = store.put(KEY, DATA)
        assert stored.uri == f"memory:///{root.removeprefix('memory://')}/{KEY}"
        assert store.get(stored.uri, sha256=stored.sha256) == DATA
        fs = fsspec.filesystem("memory")
        listing = fs.ls(stored.uri.rsplit("/", 1)[0], detail=False)
        assert [p.rsplit("/", 1)[-1] for p in listing] == ["model.joblib"]
        fs.pipe_file(stored.uri, b"tampered")
        with pytest.raises(ArtifactIntegrityError):
            store.get(stored.uri, sha256=stored.sha256)
    finally:
        fsspec.filesystem("memory").rm(root, recursive=True)


def test_failed_rename_leaves_no_temporary(
    artifact_store: ArtifactStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("charter.store.artifacts.os.replace", refuse)

    with pytest.raises(StorageError) as info:
        artifact_store.put(KEY, DATA)
    uri = (tmp_path / "artifacts" / KEY).as_uri()
    assert str(info.value) == (
        f"artifact store failed while writing {uri}: OSError: [Errno 28] No space left on device"
    )
    assert list((tmp_path / "artifacts" / KEY).parent.iterdir()) == []


def test_folder_in_the_way_is_a_storage_error(
    artifact_store: ArtifactStore, tmp_path: Path
) -> None:
    (tmp_path / "artifacts" / "models" / "model.joblib").mkdir(parents=True)

    with pytest.raises(StorageError, match="artifact store failed while writing"):
        artifact_store.put("models/model.joblib", DATA)
    assert [p.name for p in (tmp_path / "artifacts" / "models").iterdir()] == ["model.joblib"]
    assert list((tmp_path / "artifacts" / "models" / "model.joblib").iterdir()) == []


def test_relative_root_gives_absolute_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    stored = open_artifact_store("relative/artifacts").put("a/b.bin", b"x")
    assert stored.uri == (tmp_path / "relative" / "artifacts" / "a" / "b.bin").as_uri()
