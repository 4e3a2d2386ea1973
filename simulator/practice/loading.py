"""Loading slow things (the learned coder, the patient's model) on a background thread while the trainee reads."""

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")
# One load at a time: transformers' lazily imported modules are not safe to import from two threads
# at once (the second import can fail half way), and the coder and the patient model both import it.
_ONE_AT_A_TIME = threading.Lock()


def in_background(load: Callable[[], T]) -> "Future[T]":
    """Start `load` on a daemon thread now; the future gets its result or its exception.

    A daemon thread, so quitting never waits for a model that is still loading.
    """
    future: Future[T] = Future()

    def run() -> None:
        try:
            with _ONE_AT_A_TIME:
                result = load()
            future.set_result(result)
        except BaseException as error:  # noqa: BLE001 - handed to whoever asks for the result
            future.set_exception(error)

    threading.Thread(target=run, name="loading", daemon=True).start()
    return future


def ready(value: T) -> "Future[T]":
    """A future that already holds `value` (for something that needs no loading)."""
    future: Future[T] = Future()
    future.set_result(value)
    return future
