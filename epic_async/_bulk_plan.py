"""The batch planner of a bulk create: what to send next, and what each answer means for its rows.

Sans-I/O: the planner never sends anything. The driver (:mod:`epic_async._bulk`) asks it for the
next batch, POSTs it, and tells it the answer; tests drive it directly with any sequence of
answers. Every row it is given ends in exactly one bucket: created, failed (with DRF-shaped
errors and the server's raw answer) or unknown (sent, answer lost), and no row is sent again once
it was created.

What each answer does to a batch (nothing of a refused batch was created: the API's bulk POSTs are
all-or-nothing):

- **created**: its rows are created.
- **too large** (in any of DRF's shapes, or a 413): split into batches of the cap the server named,
  else of half the size; the cap holds for every later batch. A single row that is still too large
  fails with that answer.
- **per-row errors**: those rows fail with their errors; the rest of the batch is sent again.
- **refused whole, naming no row**: narrowed down by halving until the rows at fault are isolated;
  only they fail, each with the server's error, and the others are created. For ``k`` rows at fault
  in a batch of ``n`` that costs at most ``2·k·ceil(log2(n))`` extra requests, plus at most
  ``ceil(log2(n))`` rows tried alone once: when both halves of a batch are refused alike, about
  log2(n) of its rows, spread over both halves, are tried alone. If every one of them is refused
  alike too, the error does not depend on the rows: the batch fails with it at once, without
  narrowing. If a later batch meets the same error, a few of its rows are tried alone the same way,
  and if they are refused alike as well, every remaining row fails with it (a batch created in
  between lifts the suspicion). A wrong verdict needs every row tried alone to be at fault.
- **lost** (a timeout or broken connection after sending, a 5xx, an unreadable 2xx): unknown, never
  resent blindly (``park_unknown`` holds them back for the driver's reconcile).
- **not created** (not sent at all, or still throttled after every retry): failed with that message.
- **stop** (401, 403, a 404 on the collection path): this batch and every row not yet created fail
  alike: every later request would be refused the same way.

>>> planner = Planner(cap=2, wrapper="chargers")
>>> for i in range(3):
...     planner.add(Row(i, None, {}, str(i)))
>>> planner.close_input()
>>> first = planner.next_batch()
>>> [row.index for row in first.rows]
[0, 1]
>>> planner.answer(first, Refused(400, {"chargers": {"1": {"model": ["Required."]}}}))
>>> [f.index for f in planner.failed], [row.index for row in planner.next_batch().rows]
([1], [0])
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import attrs

from ._bulk_answers import Verdict, classify, normalise_errors
from ._bulk_result import BulkFailure, BulkUnknown

__all__ = [
    "Answer",
    "Batch",
    "Created",
    "Lost",
    "NotCreated",
    "Planner",
    "Refused",
    "Row",
    "Stop",
]


@attrs.define(slots=True, eq=False)
class Row:
    """One input row on its way: ``payload`` is its body entry, ``key`` its unique key."""

    index: int
    item: Any  # as the caller gave it: reported back in failures
    payload: Any
    key: str | None


# --- answers, as the driver reports them ------------------------------------------------------------


@attrs.frozen
class Created:
    """2xx, and the answer matched the rows: they exist now."""


@attrs.frozen
class Refused:
    """A 4xx other than 401/403/404/429: nothing was created; ``body`` says why."""

    status: int
    body: Any
    message: str = ""  # the error's one line, for answers without a usable body


@attrs.frozen
class Lost:
    """Sent, but the outcome is unknown (timeout or broken connection after sending, 5xx,
    an unreadable 2xx)."""

    reason: str


@attrs.frozen
class NotCreated:
    """Certainly not created, and not worth narrowing: not sent, or throttled to the end."""

    message: str
    body: Any = None


@attrs.frozen
class Stop:
    """Every later request would be refused alike (401, 403, 404 on the collection path)."""

    message: str
    body: Any = None


Answer = Created | Refused | Lost | NotCreated | Stop
_Signature = tuple[int, Any]  # (status, normalised errors): "refused alike" compares these


@attrs.define(eq=False)
class Batch:
    """Rows to send in one POST, in input order. ``group`` ties the halves and probes of a
    narrowing together."""

    rows: list[Row]
    group: _Group | None = None


@attrs.define(eq=False)
class _Refusal:
    batch: Batch
    signature: _Signature
    raw: Any


@attrs.define(eq=False)
class _Group:
    """Rows refused together with one error, being narrowed down.

    ``halves``: both halves of a refused batch are out; ``probes``: both halves were refused
    alike, a few rows are out alone, the ``remainders`` wait; ``confirm``: a batch met an error
    judged not to depend on the rows, a few of its rows are out alone.
    """

    phase: str
    signature: _Signature
    raw: Any
    dependent: bool  # known to depend on the rows: no probes needed below
    members: int  # answers it is judged on
    pending: int = 0  # members sent and not answered yet
    remainders: list[list[Row]] = attrs.field(factory=list)
    refused: list[_Refusal] = attrs.field(factory=list)
    created: int = 0  # members answered "created"
    largest: int = 0  # the largest member batch sent
    settled: bool = False  # judged once: a stop may conclude it before its last answer returns


class Planner:
    """Decides the batches of one bulk create and files every row (see the module docstring)."""

    def __init__(self, cap: int, wrapper: str, *, park_unknown: bool = False) -> None:
        self.cap = cap
        self.wrapper = wrapper
        self.park_unknown = park_unknown
        self.fresh: deque[Row] = deque()  # not yet in any batch
        self.ready: deque[Batch] = deque()  # follow-ups (rests, splits, halves): sent first
        self.in_flight = 0
        self.input_closed = False
        self.created = 0
        self.settled = 0  # rows in a final bucket: what progress reports
        self.failed: list[BulkFailure] = []
        self.unknown: list[BulkUnknown] = []
        self.parked: list[tuple[Row, str]] = []  # unknown rows held back for reconcile
        self.learned_cap: int | None = None  # the cap servers' answers taught, if any
        self._stop: tuple[dict[str, Any], Any] | None = None
        self._suspect: _Signature | None = None  # an error judged not to depend on the rows

    # --- input --------------------------------------------------------------------------------

    def add(self, row: Row) -> None:
        """A checked row, ready to be sent."""
        if self._stop is not None:
            self.fail(row, *self._stop)
        else:
            self.fresh.append(row)

    def fail(self, row: Row, errors: Any, raw: Any = None) -> None:
        """File ``row`` as failed (the SDK's own checks, or the server's answer)."""
        self.failed.append(
            BulkFailure(index=row.index, item=row.item, errors=errors, raw_errors=raw)
        )
        self.settled += 1

    def close_input(self) -> None:
        self.input_closed = True

    # --- sending --------------------------------------------------------------------------------

    def next_batch(self) -> Batch | None:
        """The next batch to POST (follow-ups first), or None until more rows or answers come."""
        if self.ready:
            batch = self.ready.popleft()
        elif self.fresh and (len(self.fresh) >= self.cap or self.input_closed):
            take = min(self.cap, len(self.fresh))
            batch = Batch([self.fresh.popleft() for _ in range(take)])
        else:
            return None
        self.in_flight += 1
        return batch

    @property
    def finished(self) -> bool:
        """Nothing left to send and nothing in flight (once the input is closed)."""
        return self.input_closed and not (self.fresh or self.ready or self.in_flight)

    def answer(self, batch: Batch, answer: Answer) -> None:
        """File the rows of ``batch`` by the server's ``answer`` and plan what follows."""
        self.in_flight -= 1
        group = batch.group
        if group is not None:
            group.pending -= 1
        if isinstance(answer, Created):
            self.created += len(batch.rows)
            self.settled += len(batch.rows)
            self._suspect = None  # an error that refuses everything would have refused this
            if group is not None:
                group.created += 1
        elif isinstance(answer, Lost):
            self._lost(batch.rows, answer.reason)
        elif isinstance(answer, NotCreated):
            self._fail_all(batch.rows, _message(answer.message), answer.body)
        elif isinstance(answer, Stop):
            self._fail_all(batch.rows, _message(answer.message), answer.body)
            self._stop_all(_message(answer.message), answer.body)
        else:
            self._refused(batch, answer)
        if group is not None and group.pending == 0:
            self._settle(group)

    # --- reconcile (driven by the caller once everything was sent) -------------------------------

    def take_parked(self) -> list[tuple[Row, str]]:
        parked, self.parked = self.parked, []
        return parked

    def adopt(self, row: Row) -> None:
        """A parked row the server turned out to hold: created."""
        self.created += 1
        self.settled += 1

    def resend(self, rows: list[Row]) -> None:
        """Parked rows the server does not hold: send them again."""
        for row in rows:
            self.add(row)

    def give_up(self, parked: list[tuple[Row, str]]) -> None:
        """Parked rows that stay unknown."""
        for row, reason in parked:
            self.unknown.append(BulkUnknown(index=row.index, item=row.item, reason=reason))
        self.settled += len(parked)

    # --- what answers mean ------------------------------------------------------------------------

    def _lost(self, rows: list[Row], reason: str) -> None:
        if self.park_unknown:
            self.parked.extend((row, reason) for row in rows)
        else:
            self.give_up([(row, reason) for row in rows])

    def _fail_all(self, rows: list[Row], errors: Any, raw: Any) -> None:
        for row in rows:
            self.fail(row, errors, raw)

    def _stop_all(self, errors: dict[str, Any], raw: Any) -> None:
        """Every row not sent yet fails alike, now and as it comes."""
        if self._stop is None:
            self._stop = (errors, raw)
        while self.ready:
            batch = self.ready.popleft()
            self._fail_all(batch.rows, errors, raw)
            group = batch.group
            if group is not None:  # a narrowing waiting for this batch: let it conclude
                group.pending -= 1
                if group.pending == 0:
                    self._settle(group)
        while self.fresh:
            self.fail(self.fresh.popleft(), errors, raw)

    def _lower_cap(self, cap: int) -> None:
        self.cap = min(self.cap, cap)
        self.learned_cap = self.cap

    def _schedule(self, rows: list[Row], group: _Group | None = None) -> None:
        if self._stop is not None:
            self._fail_all(rows, *self._stop)
            return
        self.ready.append(Batch(rows, group))
        if group is not None:
            group.pending += 1
            group.largest = max(group.largest, len(rows))

    def _refused(self, batch: Batch, answer: Refused) -> None:
        rows = batch.rows
        verdict = classify(answer.status, answer.body, self.wrapper, [r.payload for r in rows])
        if verdict.verdict is Verdict.TOO_LARGE and len(rows) > 1:
            self._lower_cap(verdict.cap or len(rows) // 2)
            for start in range(0, len(rows), self.cap):
                self._schedule(rows[start : start + self.cap])
            return
        if verdict.verdict is Verdict.ITEM_ERRORS:
            for position, found in verdict.items.items():
                self.fail(rows[position], found.errors, found.raw)
            rest = [row for i, row in enumerate(rows) if i not in verdict.items]
            if rest:
                self._schedule(rest)  # nothing of the batch was created: send the rest again
            return
        if verdict.verdict is Verdict.TOO_LARGE:  # one row, still too large: it fails
            errors: Any = _message(answer.message) if answer.status == 413 else None
            errors = errors or normalise_errors(answer.body, None) or _message(answer.message)
        else:
            errors = verdict.errors
        self._whole(batch, (answer.status, errors), answer.body)

    def _whole(self, batch: Batch, signature: _Signature, raw: Any) -> None:
        """A batch refused whole, naming no row."""
        group, rows = batch.group, batch.rows
        if group is not None:
            group.refused.append(_Refusal(batch, signature, raw))  # judged with its siblings
        elif len(rows) == 1:
            self.fail(rows[0], signature[1], raw)  # refused alone: this row is at fault
        elif signature == self._suspect:
            # Met before and judged not to depend on the rows: rows tried alone tell.
            self._probe("confirm", signature, raw, rows)
        else:
            self._narrow(rows, signature, raw, dependent=False, sent_alone=True)

    def _narrow(
        self, rows: list[Row], signature: _Signature, raw: Any, *, dependent: bool, sent_alone: bool
    ) -> None:
        """Rows believed refused (some of them at fault): send both halves."""
        if len(rows) == 1:
            if sent_alone:
                self.fail(rows[0], signature[1], raw)
            else:
                self._schedule(rows)  # its own answer decides
            return
        half = len(rows) // 2
        group = _Group("halves", signature, raw, dependent=dependent, members=2)
        self._schedule(rows[:half], group)
        self._schedule(rows[half:], group)

    def _probe(self, phase: str, signature: _Signature, raw: Any, rows: list[Row]) -> None:
        """Try about log2(n) of the ``rows`` alone, spread over them (so over both halves): if
        every one is refused alike, the error does not depend on the rows. A wrong verdict needs
        every row tried to be at fault; a single one created proves the error depends on them."""
        count = min(len(rows), max(2, math.ceil(math.log2(len(rows)))))
        picks = sorted({position * len(rows) // count for position in range(count)})
        group = _Group(phase, signature, raw, dependent=False, members=len(picks))
        chosen = set(picks)
        group.remainders.append([row for i, row in enumerate(rows) if i not in chosen])
        for position in picks:
            self._schedule([rows[position]], group)

    def _settle(self, group: _Group) -> None:
        """Every member of ``group`` has answered: decide what the refusals mean."""
        if group.settled:
            return
        group.settled = True
        refused = group.refused
        if group.phase == "halves":
            if not refused and group.created == 2 and group.largest < self.cap:
                # Refused whole, yet both halves were created: it was the size after all.
                self._lower_cap(group.largest)
            alike = len(refused) == 2 and refused[0].signature == refused[1].signature
            large = all(len(r.batch.rows) > 1 for r in refused)  # small ones: narrowing is cheap
            if alike and large and not group.dependent and self._stop is None:
                # Both halves refused alike: does the error depend on the rows at all?
                rows = [row for r in refused for row in r.batch.rows]
                self._probe("probes", refused[0].signature, refused[0].raw, rows)
                return
            for r in refused:
                self._narrow(r.batch.rows, r.signature, r.raw, dependent=True, sent_alone=True)
            return
        # "probes", "confirm": rows tried alone; those refused are at fault either way.
        for r in refused:
            self.fail(r.batch.rows[0], r.signature[1], r.raw)
        if len(refused) == group.members and all(r.signature == group.signature for r in refused):
            # Refused alike whatever the rows: the error does not depend on them.
            for rows in group.remainders:
                self._fail_all(rows, group.signature[1], group.raw)
            if group.phase == "confirm":
                self._stop_all(group.signature[1], group.raw)
            else:
                self._suspect = group.signature
            return
        if group.phase == "confirm":
            self._suspect = None
        for rows in group.remainders:
            if rows:
                self._narrow(rows, group.signature, group.raw, dependent=True, sent_alone=False)


def _message(text: str) -> dict[str, Any]:
    return {"non_field_errors": [text]}
