"""The batch planner, driven directly (no I/O): any sequence of answers files every row once.

Hypothesis plays the server with random answers to whatever the planner sends, several batches
in flight and answered in any order: created, per-row errors (DRF's list or dict form), "too
large" in every shape, a whole-batch refusal naming no row, a 429 to the end, a lost answer, a
403. Whatever it answers, every input index ends in exactly one bucket, no row is sent again after
it was created (or failed), progress never goes back, and the run ends.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from epic_async._bulk_plan import (
    Answer,
    Batch,
    Created,
    Lost,
    NotCreated,
    Planner,
    Refused,
    Row,
    Stop,
)

WRAPPER = "chargers"
TOO_MANY = "Ensure this field has no more than {} elements."
PROXY_413 = "<html><head><title>413 Request Entity Too Large</title></head></html>"
ANSWER_KINDS = (
    "created",
    "created",
    "rows_list",
    "rows_dict",
    "too_large",
    "refused",
    "refused_alike",
    "throttled",
    "lost",
    "stop",
)


def rows(count: int) -> list[Row]:
    ports = [{"connector_id": 1}, {"connector_id": 2}]
    return [
        Row(i, {"n": i}, {"charger_point_id": f"CP-{i}", "ports": ports}, f"CP-{i}")
        for i in range(count)
    ]


def too_large(draw: Any, size: int) -> Refused:
    cap = draw(st.one_of(st.none(), st.integers(1, max(1, size - 1))))
    message = TOO_MANY.format(cap) if cap is not None else "Too many items."
    shape = draw(st.sampled_from(["top", "key_list", "key_dict", "key_errors", "413"]))
    if shape == "top":
        return Refused(400, {"non_field_errors": [message]})
    if shape == "key_list":
        return Refused(400, {WRAPPER: [message]})
    if shape == "key_dict":
        return Refused(400, {WRAPPER: {"non_field_errors": [message]}})
    if shape == "key_errors":
        return Refused(400, {WRAPPER: {"errors": [message]}})
    body = draw(st.sampled_from([None, PROXY_413, {"detail": "Request entity too large."}]))
    return Refused(413, body, "POST chargers -> 413")


def answer_for(draw: Any, batch: Batch) -> Answer:
    """A random answer to ``batch``, as some server could give it."""
    size = len(batch.rows)
    kind = draw(st.sampled_from(ANSWER_KINDS))
    if kind in ("rows_list", "rows_dict"):
        bad = draw(st.sets(st.integers(0, size - 1), min_size=1))
        errors = {"charger_point_id": ["charger with this charger point id already exists."]}
        if kind == "rows_list":
            return Refused(400, {WRAPPER: [errors if i in bad else {} for i in range(size)]})
        nested = {"ports": {"1": {"current": ["This field is required for an AC connector."]}}}
        return Refused(400, {WRAPPER: {str(i): nested for i in bad}})
    if kind == "too_large":
        return too_large(draw, size)
    if kind == "refused":
        detail = draw(st.sampled_from(["Location matching query does not exist.", "Nope."]))
        return Refused(400, {"detail": detail})
    if kind == "refused_alike":
        return Refused(400, {"detail": "Tenant suspended."})
    if kind == "throttled":
        return NotCreated("POST chargers -> 429: Request was throttled.")
    if kind == "lost":
        return Lost("POST chargers: timed out waiting for the answer")
    if kind == "stop":
        return Stop("POST chargers -> 403: You do not have permission to perform this action.")
    return Created()


class Ledger:
    """What the fake server did: which rows were created, and every row sent after it was
    settled (there must be none)."""

    def __init__(self, planner: Planner, total: int) -> None:
        self.planner = planner
        self.total = total
        self.created: set[int] = set()
        self.sent_after_settled: list[int] = []
        self.progress: list[int] = []
        self.requests = 0

    def settled_indexes(self) -> set[int]:
        planner = self.planner
        return self.created | {f.index for f in planner.failed} | {u.index for u in planner.unknown}

    def take(self) -> Batch | None:
        batch = self.planner.next_batch()
        if batch is not None:
            self.requests += 1
            settled = self.settled_indexes()
            self.sent_after_settled += [r.index for r in batch.rows if r.index in settled]
        return batch

    def answer(self, batch: Batch, answer: Answer) -> None:
        if isinstance(answer, Created):
            self.created.update(r.index for r in batch.rows)
        self.planner.answer(batch, answer)
        self.progress.append(self.planner.settled)


def loaded(planner: Planner, total: int) -> Ledger:
    """``total`` rows handed to ``planner``, its input closed; the ledger that watches it."""
    for row in rows(total):
        planner.add(row)
    planner.close_input()
    return Ledger(planner, total)


def drive(
    planner: Planner,
    ledger: Ledger,
    respond: Callable[[Batch], Answer],
    *,
    in_flight: int,
    order: Callable[[list[Batch]], list[Batch]],
    rounds: int,
) -> None:
    """Take up to ``in_flight`` batches, answer them in ``order``, until the planner is done."""
    for _ in range(rounds):
        batches: list[Batch] = []
        while len(batches) < in_flight and (batch := ledger.take()) is not None:
            batches.append(batch)
        if not batches:
            assert planner.finished, "nothing to send, nothing in flight, yet not finished"
            return
        for batch in order(batches):
            ledger.answer(batch, respond(batch))
    raise AssertionError(f"no end after {rounds} rounds")


def assert_every_row_once(ledger: Ledger) -> None:
    planner = ledger.planner
    failed = [f.index for f in planner.failed]
    unknown = [u.index for u in planner.unknown]
    buckets = sorted([*ledger.created, *failed, *unknown])
    assert buckets == list(range(ledger.total))  # each index once: no loss, no double filing
    assert planner.created == len(ledger.created)
    assert planner.settled == ledger.total
    assert ledger.sent_after_settled == []
    assert ledger.progress == sorted(ledger.progress)


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    total=st.integers(1, 70),
    cap=st.integers(1, 25),
    in_flight=st.integers(1, 4),
)
def test_any_answers_file_every_row_exactly_once(
    data: st.DataObject, total: int, cap: int, in_flight: int
) -> None:
    planner = Planner(cap, WRAPPER)
    ledger = loaded(planner, total)

    def order(batches: list[Batch]) -> list[Batch]:
        return data.draw(st.permutations(batches))

    drive(
        planner,
        ledger,
        lambda batch: answer_for(data.draw, batch),
        in_flight=in_flight,
        order=order,
        rounds=20 * total + 50,
    )
    assert_every_row_once(ledger)
    assert planner.cap <= cap  # a cap only ever goes down


@settings(max_examples=150, deadline=None)
@given(data=st.data(), total=st.integers(1, 50), cap=st.integers(1, 20))
def test_reconcile_rounds_keep_every_row_once(data: st.DataObject, total: int, cap: int) -> None:
    """Lost answers parked for reconcile: some rows turn out to exist, the rest are sent again
    (and may be lost again); every row still ends in one bucket, progress never goes back."""
    planner = Planner(cap, WRAPPER, park_unknown=True)
    ledger = loaded(planner, total)

    def send_everything() -> None:
        drive(
            planner,
            ledger,
            lambda batch: answer_for(data.draw, batch),
            in_flight=2,
            order=lambda batches: batches,
            rounds=20 * total + 50,
        )

    send_everything()
    for _round in range(3):  # as create_many(reconcile=True) does once everything was sent
        parked = planner.take_parked()
        if not parked:
            break
        missing = []
        for row, _reason in parked:
            if data.draw(st.booleans()):  # the server holds it: adopted, never sent again
                ledger.created.add(row.index)
                planner.adopt(row)
                ledger.progress.append(planner.settled)
            else:
                missing.append(row)
        planner.resend(missing)
        send_everything()
    planner.give_up(planner.take_parked())
    ledger.progress.append(planner.settled)
    assert_every_row_once(ledger)


# --- a server that refuses a batch whole when it holds a bad row ---------------------------------


def whole_batch_server(
    bad: set[int], error: str = "Location matching query does not exist."
) -> Callable[[Batch], Answer]:
    def respond(batch: Batch) -> Answer:
        if any(r.index in bad for r in batch.rows):
            return Refused(400, {"detail": error})
        return Created()

    return respond


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(2, 100),
    faults=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_narrowing_isolates_exactly_the_rows_at_fault_within_its_bound(
    size: int, faults: int, seed: int
) -> None:
    """One batch of ``size`` rows, ``k`` of them at fault, refused whole with the same message:
    only those fail, the others are created, in at most 2·k·log2(size) extra requests plus the
    log2(size) rows tried alone once (when fewer rows are at fault than that: otherwise every row
    tried alone may be one at fault, and the batch is judged refused whatever its rows)."""
    bad = set(random.Random(seed).sample(range(size), min(faults, size - 1)))
    planner = Planner(size, WRAPPER)
    ledger = loaded(planner, size)
    drive(
        planner,
        ledger,
        whole_batch_server(bad),
        in_flight=4,
        order=lambda batches: batches,
        rounds=10 * size,
    )
    assert_every_row_once(ledger)
    failed = {f.index for f in planner.failed}
    assert bad <= failed  # every row at fault fails, always
    for failure in planner.failed:
        assert failure.errors == {"detail": ["Location matching query does not exist."]}
        assert failure.raw_errors == {"detail": "Location matching query does not exist."}
    k, depth = len(bad), math.ceil(math.log2(size))
    if k < max(2, depth):
        assert failed == bad  # a row tried alone is created: narrowing goes on to the end
    assert ledger.requests - 1 <= 2 * k * depth + max(2, depth)


def test_an_error_that_refuses_any_rows_fails_the_batch_then_the_rest_without_narrowing() -> None:
    """Both halves refused alike, and the rows tried alone too: the error does not depend on the
    rows, so the batch fails at once; the next batch meets it too (and its rows tried alone):
    every remaining row fails with it, without a request."""
    planner = Planner(10, WRAPPER)
    ledger = loaded(planner, 50)
    drive(
        planner,
        ledger,
        whole_batch_server(set(range(50)), "Tenant suspended."),
        in_flight=1,
        order=lambda batches: batches,
        rounds=100,
    )
    assert_every_row_once(ledger)
    assert not ledger.created and len(planner.failed) == 50
    # Batch 1: itself, two halves, log2(10) -> 4 rows alone. Batch 2: itself, 4 rows alone.
    assert ledger.requests == (1 + 2 + 4) + (1 + 4)
    assert {str(f.errors) for f in planner.failed} == {"{'detail': ['Tenant suspended.']}"}


def test_bad_rows_in_both_halves_are_not_mistaken_for_an_error_of_every_row() -> None:
    """Rows at fault on both sides of the split: a row tried alone is created, so the error
    depends on the rows, and narrowing goes on until only the two rows at fault fail."""
    planner = Planner(50, WRAPPER)
    ledger = loaded(planner, 50)
    drive(
        planner,
        ledger,
        whole_batch_server({7, 33}),
        in_flight=8,
        order=lambda batches: batches,
        rounds=200,
    )
    assert_every_row_once(ledger)
    assert {f.index for f in planner.failed} == {7, 33}
    assert len(ledger.created) == 48


def test_too_large_learns_the_cap_from_the_message_or_by_halving() -> None:
    planner = Planner(100, WRAPPER)
    loaded(planner, 300)
    first = planner.next_batch()
    assert first is not None and len(first.rows) == 100
    planner.answer(first, Refused(400, {WRAPPER: {"errors": [TOO_MANY.format(40)]}}))
    assert planner.cap == planner.learned_cap == 40
    sizes = []
    while (batch := planner.next_batch()) is not None:
        sizes.append(len(batch.rows))
        if len(batch.rows) == 40 and len(sizes) == 4:  # a proxy, stricter still, with no body
            planner.answer(batch, Refused(413, None, "POST chargers -> 413: (empty body)"))
        else:
            planner.answer(batch, Created())
    assert sizes[:3] == [40, 40, 20]  # the first batch, split at the named cap
    assert planner.cap == 20 and sizes[4:6] == [20, 20]  # halved by the 413, for later batches too
    assert planner.created == 300 and not planner.failed


def test_a_single_row_a_413_still_refuses_fails_with_that_answer() -> None:
    planner = Planner(1, WRAPPER)
    planner.add(rows(1)[0])
    planner.close_input()
    batch = planner.next_batch()
    assert batch is not None
    planner.answer(
        batch, Refused(413, PROXY_413, "POST chargers -> 413: 413 Request Entity Too Large")
    )
    [failure] = planner.failed
    assert failure.errors == {
        "non_field_errors": ["POST chargers -> 413: 413 Request Entity Too Large"]
    }
    assert failure.raw_errors == PROXY_413
    assert planner.finished


def test_a_stop_fails_every_row_not_created_yet_even_those_waiting_in_a_narrowing() -> None:
    planner = Planner(4, WRAPPER)
    ledger = loaded(planner, 12)
    first = ledger.take()
    second = ledger.take()
    assert first is not None and second is not None
    ledger.answer(first, Refused(400, {"detail": "Location matching query does not exist."}))
    left = ledger.take()  # the first half of the refused batch
    assert left is not None and left.group is not None
    ledger.answer(left, Refused(400, {"detail": "Location matching query does not exist."}))
    ledger.answer(second, Stop("POST chargers -> 403: denied"))
    assert planner.next_batch() is None and planner.finished
    assert_every_row_once(ledger)
    assert {f.index for f in planner.failed} == set(range(12))
    assert sum("403" in str(f.errors) for f in planner.failed) >= 8  # second, its rest, waiting
