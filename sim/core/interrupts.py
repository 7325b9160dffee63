"""Ctrl-C and SIGTERM: turned into exceptions at safe points, never a crash.

The CLI runs each command inside ``terminate_as_interrupt()``: SIGTERM then raises ``Terminated`` (a
``KeyboardInterrupt``) like Ctrl-C does, so every ``finally`` and temporary-folder
clean-up runs, and the command exits 130 (SIGINT) or 143 (SIGTERM).

``deferred()`` holds both signals across a call into compiled (numba) code. A
signal that arrives while a numba kernel runs makes CPython raise at the next
check, which happens while numba boxes the kernel's result into Python objects;
numba does not expect an error there and returns a tuple holding NULL, and
unpacking it segfaults. With ``deferred()`` the handler only records the signal,
and the exception is raised after the call has returned.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

EXIT_SIGINT = 130
EXIT_SIGTERM = 143
REDELIVER_S = 0.01  # delay before a swallowed signal is sent again (s)


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when the process receives SIGTERM."""


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated()


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Inside the block, SIGTERM raises ``Terminated`` as SIGINT raises KeyboardInterrupt.

    Neither is ever lost (see ``_redeliver_lost_interrupts``). The previous handler
    and hook are restored after the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    with _redeliver_lost_interrupts(), _unwrapped_interrupts():
        previous = signal.getsignal(signal.SIGTERM)
        if previous != signal.SIG_DFL:
            yield  # someone else handles SIGTERM (or ignores it): leave it to them
            return
        signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)


def wrapped_interrupt(exc: BaseException) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM an error was raised from, if any (its cause chain).

    Python turns an interrupt raised in some places into another error: inside a
    class body's ``__set_name__`` (as while matplotlib is imported) it becomes
    "RuntimeError: Error calling __set_name__", with the interrupt as its cause.
    """
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


@contextlib.contextmanager
def _unwrapped_interrupts() -> Iterator[None]:
    """Inside the block, an error raised from an interrupt is that interrupt again."""
    try:
        yield
    except Exception as exc:
        interrupt = wrapped_interrupt(exc)
        if interrupt is None:
            raise
        raise interrupt from None


@contextlib.contextmanager
def _redeliver_lost_interrupts() -> Iterator[None]:
    """Deliver again a Ctrl-C or SIGTERM that Python would swallow.

    A signal's handler runs at the next safe point, which can be inside a callback
    whose exceptions Python ignores (a weakref callback of the import machinery, a
    ``__del__``): it prints "Exception ignored in ..." with a traceback and the program
    goes on as if nothing was pressed. Inside the block such an interrupt is not
    printed; the same signal is sent again a moment later (``REDELIVER_S``) from a
    helper thread, so it arrives once the callback has returned. (Raising it from
    the hook itself would run the handler inside the hook, where it is lost again.)
    """
    previous = sys.unraisablehook
    active = [True]  # once the block has ended, a late resend would find no handler

    def resend(signum: int) -> None:
        if active[0]:
            os.kill(os.getpid(), signum)

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            terminated = isinstance(unraisable.exc_value, Terminated)
            signum = signal.SIGTERM if terminated else signal.SIGINT
            again = threading.Timer(REDELIVER_S, resend, (signum,))
            again.daemon = True
            again.start()
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        active[0] = False
        sys.unraisablehook = previous


def exit_status(exc: KeyboardInterrupt) -> int:
    """130 for Ctrl-C (SIGINT), 143 for SIGTERM."""
    return EXIT_SIGTERM if isinstance(exc, Terminated) else EXIT_SIGINT


@contextlib.contextmanager
def deferred(what: str = "in compiled code") -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on the first one received.

    ``what`` names the work for the note printed on stderr when a signal is held (the
    first call of a numba kernel also compiles it, which can take 10-20 s). Outside
    the main thread, or for a signal that is ignored, nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        if not received:
            print(f"{what}: stopping when it returns", file=sys.stderr, flush=True)
        received.append(signum)

    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if handler not in (signal.SIG_IGN, None):
            previous[sig] = signal.signal(sig, hold)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        if received:
            first = received[0]
            handler = previous[first]
            if callable(handler):
                handler(first, None)
            else:  # SIG_DFL: let the default action happen now
                signal.raise_signal(first)


def ignore_from_now() -> None:
    """Ignore SIGINT and SIGTERM for the rest of the process (its shutdown).

    CPython's shutdown resets a signal with a Python handler to its default action
    (dying silently with -SIGINT) but leaves an ignored one ignored.
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    forget_interrupt_inside_eval()


def forget_interrupt_inside_eval() -> None:
    """Clear CPython's "unhandled KeyboardInterrupt" mark left by a caught Ctrl-C.

    A KeyboardInterrupt raised inside ``eval()`` of a string (``collections.namedtuple``
    does this, e.g. while matplotlib is imported) makes CPython mark it as unhandled
    even when the CLI catches it; at exit the interpreter then ignores the status
    (130) and kills itself with SIGINT. Every ``eval()`` of a string resets that
    mark before it starts, so one harmless ``eval`` clears it.
    """
    eval("None")  # noqa: S307 - a constant string; see the docstring
