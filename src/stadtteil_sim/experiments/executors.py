"""Where runs execute: in this process, in a local process pool, or on a Dask cluster.

Each executor maps one picklable function over tasks and yields results as they complete (in
completion order, which is why results carry their own run id). A run's result depends only on
its task, never on the executor or the worker, so all three give the same numbers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any


class ExecutorError(RuntimeError):
    """The executor itself failed (a worker process died, the scheduler cannot be reached):
    not a run's fault, so it is not recorded as a failed run; finished runs stay stored."""


@dataclass(frozen=True)
class ExecutorSpec:
    """``kind`` is serial | pool | dask. For the pool: ``workers`` (default all cores) and the
    start method (``spawn`` by default: the same on Linux, macOS and Windows, and safe with the
    threads pyarrow starts). For Dask: ``scheduler`` (address of a running cluster) or
    ``dask_workers`` (start a local cluster of that many worker processes)."""

    kind: str = "pool"
    workers: int | None = None
    start_method: str = "spawn"
    scheduler: str | None = None
    dask_workers: int | None = None
    connect_timeout: float = 20.0  # seconds to reach --scheduler

    def describe(self) -> str:
        if self.kind == "serial":
            return "serial (this process)"
        if self.kind == "pool":
            return f"process pool, {self.pool_size()} workers ({self.start_method})"
        if self.scheduler:
            return f"Dask cluster at {self.scheduler}"
        return f"Dask local cluster, {self.dask_workers} worker processes"

    def pool_size(self) -> int:
        return self.workers or os.cpu_count() or 1


def execute(fn: Callable[[Any], Any], tasks: Iterable[Any], spec: ExecutorSpec,
            group: Callable[[Any], Hashable] | None = None) -> Iterator[Any]:
    """Yield ``fn(task)`` for every task, as each completes.

    ``group`` names tasks that are cheaper run by one worker one after another (the batch's runs
    of one seed start from the burned-in district the worker keeps): the pool then gives a
    group's tasks to the worker that began it, as long as it has no other tasks left to take.
    """
    tasks = list(tasks)
    if not tasks:
        return
    if spec.kind == "serial" or (spec.kind == "pool" and spec.pool_size() == 1):
        for task in tasks:
            yield fn(task)
    elif spec.kind == "pool":
        yield from _pool(fn, tasks, spec, group or id)
    elif spec.kind == "dask":
        yield from _dask(fn, tasks, spec)
    else:
        raise ValueError(f"unknown executor kind {spec.kind!r}; allowed: serial, pool, dask")


class _Groups:
    """The tasks still to hand out, in their order, by group: a worker keeps to the group it began
    and, when that is done, begins the next untouched one; with none left, it takes the last task
    of the group with the most left (that one's worker would have reached it last)."""

    def __init__(self, tasks: list[Any], group: Callable[[Any], Hashable]) -> None:
        self.left: dict[Hashable, deque] = {}
        for task in tasks:
            self.left.setdefault(group(task), deque()).append(task)
        self.untouched = deque(self.left)

    def next_for(self, current: Hashable | None) -> tuple[Hashable | None, Any]:
        if current is not None and self.left.get(current):
            return current, self._take(current, self.left[current].popleft)
        while self.untouched:
            key = self.untouched.popleft()
            if self.left.get(key):
                return key, self._take(key, self.left[key].popleft)
        if not self.left:
            return None, None
        key = max(self.left, key=lambda k: len(self.left[k]))
        return key, self._take(key, self.left[key].pop)

    def _take(self, key: Hashable, take: Callable[[], Any]) -> Any:
        task = take()
        if not self.left[key]:
            del self.left[key]
        return task


def _pool(fn, tasks, spec: ExecutorSpec, group: Callable[[Any], Hashable]):
    # One single-process pool per worker, so that the tasks of a group go to the same process.
    context = multiprocessing.get_context(spec.start_method)
    workers = [ProcessPoolExecutor(max_workers=1, mp_context=context) for _ in range(min(spec.pool_size(), len(tasks)))]
    groups = _Groups(tasks, group)
    current: list[Hashable | None] = [None] * len(workers)
    pending: dict[Any, int] = {}

    def refill(worker: int) -> None:
        # Keep a bounded window in flight: an interrupt then loses little, and results stream.
        while sum(1 for w in pending.values() if w == worker) < 2:
            current[worker], task = groups.next_for(current[worker])
            if current[worker] is None:
                return
            pending[workers[worker].submit(fn, task)] = worker

    try:
        for worker in range(len(workers)):
            refill(worker)
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                worker = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    raise ExecutorError(
                        f"a worker process died unexpectedly (killed, or out of memory?): {exc}"
                    ) from None
                yield result
                refill(worker)
    except BaseException:
        # Ctrl-C, SIGTERM or the caller closing early: the runs in flight are lost anyway, so
        # end the workers now instead of waiting for them (a job scheduler's SIGTERM reaches
        # this process only, and waiting would leave them computing).
        for pool in workers:
            stop_workers(pool)
        raise
    finally:
        for pool in workers:
            pool.shutdown(wait=True, cancel_futures=True)


def stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate a pool's worker processes (the pool offers no public way before Python 3.14)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


def dask_client(spec: ExecutorSpec):
    """A Dask client for ``spec`` (a running scheduler, or a local cluster started here) and a
    function that releases it."""
    from dask.distributed import Client, LocalCluster

    if spec.scheduler:
        try:
            client = Client(spec.scheduler, timeout=f"{spec.connect_timeout}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise ExecutorError(
                f"--scheduler {spec.scheduler}: cannot reach a Dask scheduler there ({exc}); "
                "allowed: the address a running scheduler prints, e.g. tcp://10.0.0.5:8786"
            ) from None
        return client, client.close
    cluster = LocalCluster(n_workers=spec.dask_workers or 1, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    client.wait_for_workers(spec.dask_workers or 1, timeout=120)  # spread work over all of them

    def close() -> None:
        client.close()
        cluster.close()

    return client, close


def _dask(fn, tasks, spec: ExecutorSpec):
    from dask.distributed import KilledWorker, as_completed

    client, close = dask_client(spec)
    futures = []
    try:
        futures = client.map(fn, tasks, pure=False)
        for future in as_completed(futures):
            try:
                result = future.result()
            except KilledWorker as exc:
                raise ExecutorError(f"Dask workers died running a task (killed, or out of memory?): {exc}") from None
            yield result
            future.release()
    except BaseException:
        # Interrupted: cancel what is pending; a cluster given by --scheduler stays up (close()
        # only disconnects from it), a local cluster started here is shut down.
        try:
            client.cancel(futures)
        except Exception:  # noqa: BLE001 - the scheduler may be gone already; closing still follows
            pass
        raise
    finally:
        close()
