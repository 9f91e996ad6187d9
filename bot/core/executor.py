"""A thread pool that can be drained: wait until every submitted task has finished.

Bolt runs lazy listeners (our after-ack Web API calls) on its listener executor, and a reply's
receipt over HTTP goes out from the request's own thread once the response is written (`hold`
counts it in).  The demo and the tests wait on this instead of sleeping: they know when the
work is done.
"""

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any


class DrainableExecutor(ThreadPoolExecutor):
    def __init__(self, max_workers: int = 8) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="docket-listener")
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    def hold(self) -> Callable[[], None]:
        """Work that another thread will do (a receipt sent after an HTTP response): `drain`
        waits for it too, until the returned function is called."""
        future: Future[Any] = Future()
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return lambda: future.set_result(None)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for all work, including work that finished tasks submitted meanwhile."""
        while True:
            with self._lock:
                pending = set(self._pending)
            if not pending:
                return
            _, not_done = wait(pending, timeout=timeout)
            if not_done:
                raise TimeoutError(
                    f"{len(not_done)} listener task(s) still running after {timeout}s"
                )
