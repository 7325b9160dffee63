"""The package's exceptions: one base, and a scenario error that names the YAML path."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SimError(Exception):
    """Base of every error ceasefire-sim raises on purpose."""


class ExecutionError(SimError):
    """Work that could not be carried out for a reason other than bad input.

    For example, a sweep's executor broke (a worker process died). The CLI exits
    with status 1 for these, 2 for bad input.
    """


class ScenarioError(SimError):
    """Bad input: a scenario (or sweep) that cannot be run as written.

    Parameters
    ----------
    problems
        One or more ``(path, message)`` pairs; ``path`` is the dotted YAML path
        (``drones[0].speed``) or ``""`` for the whole file.
    source
        The file the problems were found in, if any.
    """

    def __init__(self, problems: list[tuple[str, str]] | str, source: str | None = None):
        if isinstance(problems, str):
            problems = [("", problems)]
        self.problems = problems
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        """Return the message shown to the user: one line per problem."""
        where = f"{self.source}: " if self.source else ""
        lines = []
        for path, message in self.problems:
            lines.append(f"{where}{path}: {message}" if path else f"{where}{message}")
        return "\n".join(lines)


def close_match(word: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or ``""``."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 station', '2 stations' (``many`` for irregular plurals): counts in messages."""
    return f"{n} {word if n == 1 else (many or word + 's')}"
