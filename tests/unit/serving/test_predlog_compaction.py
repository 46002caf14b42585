"""Spool to Parquet exactly once: reruns, a crash between part and offset, torn lines, purge."""

from __future__ import annotations

import mmap
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from charter.errors import DataError
from charter.predlog import (
    PredictionRecord,
    SpoolWriter,
    compact,
    expand_log,
    logged_models,
    purge,
    read_log,
)
from charter.predlog import compactor as compactor_module

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def record(i: int, *, model: str = "m", at: datetime = T0) -> PredictionRecord:
    return PredictionRecord(
        request_id=f"r{i}",
        model=model,
        version=1,
        source="served",
        inputs={"x": i, "name": "é"},
        outputs={"score": i / 10},
        latency_ms=1.5,
        at=at,
    )


def test_records_reach_parquet_partitioned_by_model_and_date(tmp_path: Path) -> None:
    spool, log = tmp_path / "spool", tmp_path / "log"
    with SpoolWriter(spool) as writer:
        writer.append([record(1), record(2, at=T0 + timedelta(days=1)), record(3, model="n")])
    result = compact(spool, log)
    assert result.records_written == 3
    assert sorted(p.relative_to(log).parts[:2] for p in log.rglob("*.parquet")) == [
        ("model=m", "date=2024-05-01"),
        ("model=m", "date=2024-05-02"),
        ("model=n", "date=2024-05-01"),
    ]
    assert logged_models(log) == ["m", "n"]
    table = read_log(log, "m", since=T0 + timedelta(hours=1))
    assert table["request_id"].to_pylist() == ["r2"]
    frame = expand_log(read_log(log, "m"))
    assert list(frame["x"]) == [1, 2] and list(frame["output_score"]) == [0.1, 0.2]
    assert not list(spool.glob("spool-*")), "closed, fully compacted spool files are removed"


def test_compaction_is_idempotent_while_the_writer_keeps_appending(tmp_path: Path) -> None:
    spool, log = tmp_path / "spool", tmp_path / "log"
    writer = SpoolWriter(spool)
    writer.append([record(i) for i in range(5)])
    compact(spool, log)
    compact(spool, log)
    writer.append([record(i) for i in range(5, 8)])
    compact(spool, log)
    ids = read_log(log, "m")["request_id"].to_pylist()
    assert sorted(ids) == sorted(f"r{i}" for i in range(8))


def test_a_crash_after_writing_parts_but_before_the_offset_duplicates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool, log = tmp_path / "spool", tmp_path / "log"
    writer = SpoolWriter(spool)
    writer.append([record(i) for i in range(4)])

    def crash(path: Path, offset: int) -> None:
        raise OSError("killed")

    monkeypatch.setattr(compactor_module, "_commit_offset", crash)
    with pytest.raises(Exception, match="killed"):
        compact(spool, log)
    monkeypatch.undo()
    writer.append([record(i) for i in range(4, 6)])  # more lines arrive before the rerun
    compact(spool, log)
    ids = read_log(log, "m")["request_id"].to_pylist()
    assert sorted(ids) == [f"r{i}" for i in range(6)]


def test_parts_dictionary_encode_only_the_columns_whose_values_repeat(tmp_path: Path) -> None:
    with SpoolWriter(tmp_path / "spool") as writer:
        writer.append([record(i) for i in range(50)])
    compact(tmp_path / "spool", tmp_path / "log")
    (part,) = (tmp_path / "log").rglob("*.parquet")
    meta = pq.ParquetFile(part).metadata
    encodings = {
        meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i).encodings
        for i in range(meta.num_columns)
    }
    plain = {"request_id", "latency_ms", "at", "outputs.score"}
    assert {p for p, e in encodings.items() if "RLE_DICTIONARY" not in e} == plain
    assert {"model", "inputs.x", "inputs.name", "run_id"} <= set(encodings)
    ids = read_log(tmp_path / "log", "m")["request_id"].to_pylist()
    assert ids == [f"r{i}" for i in range(50)]


def test_only_complete_lines_are_compacted(tmp_path: Path) -> None:
    spool, log = tmp_path / "spool", tmp_path / "log"
    writer = SpoolWriter(spool)
    writer.append([record(1)])
    assert writer.path is not None
    end = len(record(1).to_json().encode()) + 1  # the writer's lines end here (then NULs)
    with writer.path.open("r+b") as handle:
        handle.seek(end)
        handle.write(record(2).to_json().encode()[:20])  # a torn, never-acknowledged write
    assert compact(spool, log).records_written == 1
    with writer.path.open("r+b") as handle:
        handle.seek(end + 20)
        handle.write(record(2).to_json().encode()[20:] + b"\n")
    assert compact(spool, log).records_written == 1
    assert sorted(read_log(log, "m")["request_id"].to_pylist()) == ["r1", "r2"]


def test_a_dead_writers_file_is_finished_and_removed(tmp_path: Path) -> None:
    spool, log = tmp_path / "spool", tmp_path / "log"
    spool.mkdir()
    dead = spool / "spool-999999999-1-000001.active"
    dead.write_bytes((record(1).to_json() + "\n").encode() + b'{"torn')
    assert compact(spool, log).spool_files_removed == 1
    assert not dead.exists()
    assert read_log(log, "m")["request_id"].to_pylist() == ["r1"]


def test_spool_append_reaches_the_os_before_returning(tmp_path: Path) -> None:
    writer = SpoolWriter(tmp_path, fsync=True)
    writer.append([record(1)])
    assert writer.path is not None
    assert os.path.getsize(writer.path) == len(record(1).to_json().encode()) + 1


def test_purge_removes_whole_days_past_retention(tmp_path: Path) -> None:
    spool, log = tmp_path / "spool", tmp_path / "log"
    with SpoolWriter(spool) as writer:
        writer.append([record(i, at=T0 - timedelta(days=i)) for i in range(5)])
    compact(spool, log)
    result = purge(log, timedelta(days=2), now=T0 + timedelta(hours=1))
    assert result.partitions_removed == 2
    assert sorted(read_log(log, "m")["request_id"].to_pylist()) == ["r0", "r1", "r2"]
    with pytest.raises(DataError, match="retention must be longer than zero"):
        purge(log, timedelta(0))


def test_records_refuse_naive_times_and_unknown_sources() -> None:
    with pytest.raises(DataError, match="aware datetime"):
        record(1, at=datetime(2024, 1, 1))
    with pytest.raises(DataError, match="source must be one of"):
        PredictionRecord("r", "m", 1, "live", {}, {}, None, T0)  # type: ignore[arg-type]


def _priority() -> tuple[int, int]:
    return os.sched_getscheduler(0), os.nice(0)


def test_the_servers_compactor_process_yields_the_cpu_to_answering() -> None:
    """The serving app's compactor child runs only on idle cores (see ``compactor_child``)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from charter.predlog.compactor import compactor_child

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=compactor_child, initargs=(os.getpid(),)
    ) as pool:
        policy, niceness = pool.submit(_priority).result(timeout=120)
    assert policy == os.SCHED_IDLE
    assert niceness == os.nice(0), "SCHED_IDLE alone; nice is the fallback"


def test_where_sched_idle_is_refused_the_compactor_is_niced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from charter.predlog import compactor as compactor_module

    def refuse(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    niced: list[int] = []
    monkeypatch.setattr(compactor_module.os, "sched_setscheduler", refuse)
    monkeypatch.setattr(compactor_module.os, "nice", niced.append)
    monkeypatch.setattr(compactor_module, "exit_with_parent", lambda pid: None)
    compactor_module.compactor_child(os.getpid())
    assert niced == [10]


def test_a_writer_dying_during_a_compaction_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer alive when its file is read may append and die before the run ends: its file
    must stay for the next run (a SIGKILLed server lost 11 answered requests to this once)."""
    spool, log = tmp_path / "spool", tmp_path / "log"
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer: one line, wait, one more, then die without closing its file
        try:
            writer = SpoolWriter(spool)
            writer.append([record(1)])
            os.write(ready_w, b"1")
            os.read(go_r, 1)
            writer.append([record(2)])
        finally:
            os._exit(0)
    assert os.read(ready_r, 1) == b"1"
    read_lines = compactor_module._read_lines

    def append_and_die_after_the_read(lines: bytes) -> object:
        os.write(go_w, b"1")
        os.waitpid(pid, 0)  # the writer has appended record 2 and is gone
        return read_lines(lines)

    monkeypatch.setattr(compactor_module, "_read_lines", append_and_die_after_the_read)
    assert compact(spool, log).records_written == 1
    monkeypatch.undo()
    assert [p.suffix for p in spool.glob("spool-*")] == [".active"], "record 2 is still there"
    assert compact(spool, log).spool_files_removed == 1
    assert sorted(read_log(log, "m")["request_id"].to_pylist()) == ["r1", "r2"]
    for fd in (ready_r, ready_w, go_r, go_w):
        os.close(fd)


def test_a_forked_child_appends_to_its_own_spool_file(tmp_path: Path) -> None:
    """uvicorn forks its workers: a child must never interleave lines into its parent's file."""
    spool, log = tmp_path / "spool", tmp_path / "log"
    writer = SpoolWriter(spool)
    writer.append([record(1)])
    parent_file = writer.path
    pid = os.fork()
    if pid == 0:  # the child: append, close, and leave without running pytest's teardown
        try:
            writer.append([record(2)])
            writer.close()
        finally:
            os._exit(0 if writer.path is None else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    writer.append([record(3)])
    assert writer.path == parent_file, "the parent keeps its own file"
    writer.close()
    files = sorted(spool.glob("spool-*"))
    assert len(files) == 2 and all(f.read_bytes().endswith(b"\n") for f in files)
    assert compact(spool, log).records_written == 3
    assert sorted(read_log(log, "m")["request_id"].to_pylist()) == ["r1", "r2", "r3"]


def _small_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, grow: int = 4096
) -> tuple[SpoolWriter, Path, Path]:
    """A writer whose map grows in ``grow``-byte steps, its spool folder and a log folder."""
    from charter.predlog import spool as spool_module

    monkeypatch.setattr(spool_module, "_GROW_BYTES", grow)
    spool = tmp_path / "spool"
    return SpoolWriter(spool), spool, tmp_path / "log"


def test_the_mapped_spool_grows_in_steps_and_closes_to_its_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Appends go through a memory map that grows in steps; the NUL tail never reaches the log."""
    writer, spool, log = _small_steps(tmp_path, monkeypatch)
    lines = [record(i) for i in range(200)]
    for line in lines:
        writer.append([line])
    active = writer.path
    assert active is not None
    written = sum(len(r.to_json().encode()) + 1 for r in lines)
    assert os.path.getsize(active) == -(-written // 4096) * 4096 > written, "grown in steps"
    assert compact(spool, log).records_written == 200, "read while active, up to the NULs"
    writer.append([record(200)])
    writer.close()
    (closed,) = spool.glob("spool-*")
    assert b"\x00" not in closed.read_bytes(), "closing truncates the unwritten tail"
    assert compact(spool, log).records_written == 1
    assert len(read_log(log, "m")) == 201


def test_a_file_system_that_cannot_map_gets_plain_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No fallocate (some network file systems): the writer falls back, losing no line."""
    from charter.predlog import spool as spool_module

    writer, spool, log = _small_steps(tmp_path, monkeypatch)
    first = [record(i) for i in range(60)]  # more than one 4 KiB step
    real = os.posix_fallocate
    calls = []

    def refuse_the_second(fd: int, offset: int, length: int) -> None:
        calls.append(length)
        if len(calls) > 1:
            raise OSError(95, "Operation not supported")
        real(fd, offset, length)

    monkeypatch.setattr(spool_module.os, "posix_fallocate", refuse_the_second)
    for line in first:
        writer.append([line])
    assert len(calls) == 2, "mapped first, then refused"
    writer.append([record(60)])
    assert writer.path is not None and b"\x00" not in writer.path.read_bytes()
    writer.close()
    assert compact(spool, log).records_written == 61


@pytest.mark.parametrize("kernel_can_populate", [True, False])
def test_pages_are_made_writable_ahead_of_the_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kernel_can_populate: bool
) -> None:
    """``MADV_POPULATE_WRITE`` ahead of the appends; a kernel without it gets page faults."""
    from charter.predlog import spool as spool_module

    monkeypatch.setattr(spool_module, "_POPULATE_BYTES", 8192)
    if not kernel_can_populate:
        monkeypatch.setattr(spool_module, "_MADV_POPULATE_WRITE", 0x7FFF)  # EINVAL, as on < 5.14
    writer, spool, log = _small_steps(tmp_path, monkeypatch, grow=16384)
    for i in range(300):  # several growth and populate steps
        writer.append([record(i)])
        if writer._populating:
            assert writer._size <= writer._ready <= len(writer._map or b"")
            assert writer._ready % mmap.PAGESIZE == 0
    if not kernel_can_populate:
        assert writer._populating is False, "refused once, then plain page faults"
    assert compact(spool, log).records_written == 300
    writer.close()
    assert sorted(read_log(log, "m")["request_id"].to_pylist()) == sorted(
        record(i).request_id for i in range(300)
    )
