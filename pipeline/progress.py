"""Progress of long work, reported by the stages and shown by whoever listens (the CLI's bar)."""

from __future__ import annotations

from collections.abc import Callable

Listener = Callable[[str, str, int, int], None]  # (event, document name, done, total)
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    _listeners.append(listener)


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def report(event: str, document: str, done: int = 0, total: int = 0) -> None:
    """Events: 'document' (started, total pages), 'page' (one more page done), 'stored', 'failed'."""
    for listener in list(_listeners):
        listener(event, document, done, total)
