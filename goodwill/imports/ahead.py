"""The file read ahead of the import: another process reads the next batches' rows, builds
their records and works out what no other row changes (`batching.prepare_row`: the row's
typed matching record, the new customer and vehicle it would write, or why they would be
refused) while the import classifies and writes the batch before them.

The import spends much of a batch waiting for PostgreSQL (the lookups, the COPYs, the
foreign-key checks) and the rest in Python; the reading process runs on the other core
meanwhile, so its share of a row's CPU leaves the import's. Measured (`bench/bench_import.py`,
250,000 rows, a new database each, back to back, load 1.2–1.7): 147.5 → 114.8 s, the
import's own CPU 408 → 268 µs a row, the reading process's ~215 µs a row beside it (its
build, and each chunk pickled there and unpickled here, ~40 µs a row). A process, not a thread: a
thread's Python shares the interpreter lock with the import's, and the two threads' shared
objects bounced between the cores — measured, a reading thread made the import slower
(60,000 rows: 381 → 443–585 µs of CPU a row, the wall 31.8 → 32.7–44.0 s; the figures are in
docs/closing-notes/issue-10.md, helper imp2). The process starts in ~1.5 s (Django set up
anew), so a small file is read by the import itself (`IN_A_PROCESS_FROM`).

Nothing here touches the database: the reading process has connections of its own, outside
the import's transaction, and they refuse any query (`_no_queries`). The batches come out
exactly as the reading loop cut them (a batch ends at the row that fills it), with the row
problems, counts and progress points of the rows read up to there, so the rows, their errors
and their order are the import's without the process."""

from __future__ import annotations

import multiprocessing
import pickle  # nosec B403 # only between this process and the reading process it started
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from goodwill.imports import batching, reading_process
from goodwill.imports.rows import build_record

AHEAD = 2  # batches read and prepared ahead of the one being written (memory: two batches)
PROGRESS_EVERY = 200  # rows between progress points, as the reading loop had them
IN_A_PROCESS_FROM = 4_000_000  # bytes: ~36,000 rows of a typical export
WAIT = 1.0  # seconds between checks that the reading process is still there


@dataclass(slots=True)
class Chunk:
    """The rows read since the previous chunk: their problems as row errors, how many were
    read and how many were invalid, the progress points among them (rows, bytes read), and
    the valid rows with their `Ready` — a full batch, or the rest at the end of the file."""

    errors: list = field(default_factory=list)
    rows: int = 0
    invalid: int = 0
    ticks: list = field(default_factory=list)
    valid: list = field(default_factory=list)
    ready: list = field(default_factory=list)


@dataclass(slots=True)
class _Failed:
    exc: BaseException


_END = b"end"


def _no_queries(execute, sql, params, many, context):
    raise RuntimeError("the import's reading process does not query the database")


def chunks(
    rows, batch, *, counter: list, acting_user, reason, progress: bool, size: int
) -> Iterator[Chunk]:
    """The file's rows cut into chunks where the reading loop flushed a batch (`size` valid
    rows, `batching.BATCH_ROWS` as the import read it: the reading process has its own
    modules): the work of the reading process, or of the import itself for a small file."""
    mapping, region, store = batch.mapping, batch.dealership.phone_region, batch.dealership
    chunk = Chunk()
    for read, (number, row) in enumerate(rows, start=1):
        chunk.rows += 1
        rec = build_record(row, mapping, region=region)
        for p in rec.problems:
            skip = "Row not imported: " if p.skip else ""
            chunk.errors.append((number, p.column[:120], p.value[:200], (skip + p.reason)[:300]))
        if rec.invalid:
            chunk.invalid += 1
        else:
            chunk.valid.append((number, rec))
            chunk.ready.append(
                batching.prepare_row(store, number, rec, acting_user=acting_user, reason=reason)
            )
        if progress and read % PROGRESS_EVERY == 0:
            chunk.ticks.append((read, counter[0]))
        if len(chunk.valid) >= size:
            yield chunk
            chunk = Chunk()
    yield chunk


class ReadAhead:
    """Iterate over the file's chunks, read by another process `AHEAD` chunks ahead (or by
    this one, for a file under `IN_A_PROCESS_FROM` bytes). Use as a context manager:
    leaving it (an error of the import included) stops the reading process. An error of the
    reading (`FileProblem`) is raised here at the point of the file where it happened,
    after the chunks before it. `rows_of(batch, counter)`: the file's (number, row) pairs,
    a module-level function (the reading process imports it by name)."""

    def __init__(self, rows_of: Callable, batch, *, acting_user, reason, progress: bool):
        batch.dealership  # noqa: B018 # loaded here, sent along with the batch
        self.args = (rows_of, batch, acting_user, reason, progress, batching.BATCH_ROWS)
        self.in_process = (batch.size or 0) >= IN_A_PROCESS_FROM
        self.process = self.queue = None

    def __enter__(self) -> ReadAhead:
        if self.in_process:
            context = multiprocessing.get_context("spawn")  # no fork of a live connection
            self.queue = context.Queue(maxsize=AHEAD)
            self.process = context.Process(
                target=reading_process.main,
                args=(settings.SETTINGS_MODULE, pickle.dumps(self.args), self.queue),
                name="import-read-ahead",
                daemon=True,
            )
            self.process.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join()
            self.process.close()
            self.queue.close()

    def __iter__(self) -> Iterator[Chunk]:
        if not self.in_process:
            yield from _read(self.args)
            return
        while True:
            try:
                item = self.queue.get(timeout=WAIT)
            except queue.Empty:
                if not self.process.is_alive():
                    raise RuntimeError(
                        f"The import's reading process stopped (exit code {self.process.exitcode})."
                    ) from None
                continue
            if item == _END:
                return
            item = pickle.loads(item)  # nosec B301 # our own reading process's chunks
            if isinstance(item, _Failed):
                raise item.exc
            yield item


def _read(args) -> Iterator[Chunk]:
    """The chunks of the file `args` names, read here (inline, or in the reading process)."""
    rows_of, batch, acting_user, reason, progress, size = args
    counter = [0]
    return chunks(
        rows_of(batch, counter),
        batch,
        counter=counter,
        acting_user=acting_user,
        reason=reason,
        progress=progress,
        size=size,
    )


def serve(payload: bytes, out) -> None:
    """The reading process's work (`reading_process.main`, Django set up): every chunk,
    pickled here so that a value that does not pickle is an error the import sees."""
    args = pickle.loads(payload)  # nosec B301 # the import's own arguments
    try:
        with connection.execute_wrapper(_no_queries), batching.rare_collections():
            for chunk in _read(args):
                out.put(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
        out.put(_END)
    except BaseException as exc:  # handed to the import, raised there
        try:
            failed = pickle.dumps(_Failed(exc))
        except Exception:  # noqa: BLE001 # an error that does not pickle: its text
            failed = pickle.dumps(_Failed(RuntimeError(f"{type(exc).__name__}: {exc}")))
        out.put(failed)
