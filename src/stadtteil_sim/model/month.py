"""The month: one declared sequence of processes, each ``step(ctx)`` over the month's context.

``MONTH`` is the only place the order is written. ``StadtteilModel`` runs it, its module
docstring is generated from it (each step's first docstring line) and tests check
``docs/ODD.md`` §3.1 against it. A later process sees the changes of earlier ones in place;
what one hands to a later one that is not district state travels in the context
(``ctx.event``, ``ctx.intervened``), never through an agent.

The office's decision (``IntegrationOffice.step``) is a phase of its own before the sequence,
not a part of it: it sets this month's mode, and the context is built with the effort of that
mode; it does not run in burn-in months (the office is not there yet: a decision there could
already decide linking); and at month 0 it runs alone, without a month simulated. Kept apart,
the numbers are those of the order before the sequence was declared, bit for bit.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable, Iterable

from stadtteil_sim.model import office
from stadtteil_sim.model.processes import (
    activation,
    conflicts,
    contact,
    groups,
    linking,
    management,
    organisations,
    outreach,
    qualification,
    recognition,
    turnover,
    working_group,
)
from stadtteil_sim.model.processes.context import MonthContext

Process = Callable[[MonthContext], None]

MONTH: tuple[Process, ...] = (
    turnover.step,
    management.step,
    outreach.step,
    qualification.step,
    activation.step,
    groups.step,
    working_group.step,
    linking.step,
    contact.step,
    recognition.step,
    conflicts.step,
    organisations.step,
    office.bookkeeping,
)


def name(step: Callable) -> str:
    """Where a step lives, relative to the model package: ``processes.turnover.step``."""
    module = step.__module__.removeprefix("stadtteil_sim.model.")
    return f"{module}.{step.__qualname__}"


def summary(step: Callable) -> str:
    """A step's docstring summary, its first paragraph in one line (its name when docstrings are
    stripped, python -OO)."""
    doc = inspect.getdoc(step)
    return " ".join(doc.split("\n\n")[0].split()) if doc else name(step)


def describe(steps: Iterable[Callable]) -> str:
    """The steps as a numbered list, each with where it lives, for the model's docstring."""
    items = []
    for i, step in enumerate(steps, start=1):
        number = f"{i}. "
        indent = " " * len(number)
        text = textwrap.fill(summary(step), 96, initial_indent=number, subsequent_indent=indent)
        items.append(f"{text}\n{indent}``{name(step)}``")
    return "\n".join(items)
