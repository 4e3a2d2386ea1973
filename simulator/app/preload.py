"""Loading slow things (the learned coder) on a background thread while the trainee reads."""

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def preload(load: Callable[[], T], future: "Future[T] | None" = None) -> "Future[T]":
    """Start `load` on a daemon thread now; `future` (a new one if not given) gets its result or its
    exception. Passing a future lets callers hand it out before the loading starts.

    A daemon thread, so quitting the app never waits for a model that is still loading.
    """
    future = future if future is not None else Future()

    def run() -> None:
        try:
            future.set_result(load())
        except BaseException as error:  # noqa: BLE001 - handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, name="preload", daemon=True).start()
    return future
