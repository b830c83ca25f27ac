"""Which function runs each kind of job. Apps register their runners in AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ProgressFn = Callable[[int, str], None]
Runner = Callable[[dict[str, Any], ProgressFn], dict[str, Any]]

_RUNNERS: dict[str, Runner] = {}


def register(kind: str) -> Callable[[Runner], Runner]:
    def decorator(fn: Runner) -> Runner:
        _RUNNERS[kind] = fn
        return fn

    return decorator


def runner_for(kind: str) -> Runner:
    return _RUNNERS[kind]


def known_kinds() -> list[str]:
    return sorted(_RUNNERS)
