"""Every docstring example of the package runs, against the simulator: examples that cannot rot.

A docstring is a reader's interactive session. One with an example that awaits (top-level
``await``, ``async with``, ``async for``) is a ``python -m asyncio`` session: its examples are
compiled with ``ast.PyCF_ALLOW_TOP_LEVEL_AWAIT`` and all run in the docstring's one event loop,
a coroutine awaited, other code called from a task (``Pacer()`` wants a running loop, as it has in
that REPL). A docstring without one is a plain ``python`` session and runs exactly as stdlib
doctest runs it, outside any loop (``SyncEpicClient`` rightly refuses to block a running one).

This module runs every docstring of the package, synchronous ones included, in place of pytest's
``--doctest-modules``, which cannot await: one runner, one namespace and one way to point the
examples at the simulator for all of them, and no docstring collected twice. The namespace holds
what a reader has: the module's globals (as doctest gives them), ``simulator``, a fresh
``FakeEpicServer(chargers=50)`` per docstring (~10 ms, so no docstring sees another's writes),
``client``, an ``EpicClient`` connected to it, and ``EPIC_API_KEY`` / ``EPIC_BASE_URL`` (and
``EPIC_REDIS_URL`` where a docstring reads it) pointing there, as for the README's blocks
(tests/test_readme.py). After the examples, the client is closed, then the loop.
"""

from __future__ import annotations
import __future__

import ast
import asyncio
import doctest
import importlib
import inspect
import pkgutil
import re
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import epic_async
from epic_async import EpicClient
from epic_async.testing import FakeEpicServer

from .conftest import point_env_at

# pytest's doctest default, which the examples were written against.
OPTIONFLAGS = doctest.ELLIPSIS


def package_modules() -> Iterator[types.ModuleType]:
    yield epic_async
    for info in pkgutil.walk_packages(epic_async.__path__, "epic_async."):
        if info.name.rpartition(".")[2] != "__main__":  # importing one runs the program
            yield importlib.import_module(info.name)


def written_here(test: doctest.DocTest) -> bool:
    """Whether the docstring is in the source file of the object it was found on."""
    assert test.filename is not None and test.docstring is not None
    return test.docstring in Path(test.filename).read_text(encoding="utf-8")


def docstring_tests() -> list[doctest.DocTest]:
    """Every docstring with examples, once: one that an object borrows from another
    (``SyncReports.__doc__ = Reports.__doc__``) runs under the object whose source holds it."""
    finder = doctest.DocTestFinder()
    by_text: dict[str, list[doctest.DocTest]] = {}
    for module in package_modules():
        for test in finder.find(module):
            if test.examples:
                assert test.docstring is not None
                by_text.setdefault(test.docstring, []).append(test)
    return [max(tests, key=written_here) for tests in by_text.values()]


def compile_flags(globs: dict[str, Any]) -> int:
    """What doctest compiles examples with (the module's ``__future__`` imports), and top-level
    await."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    for name in __future__.all_feature_names:
        feature = getattr(__future__, name)
        if name in globs and globs[name] is feature:
            flags |= feature.compiler_flag
    return flags


def awaits(test: doctest.DocTest) -> bool:
    """Whether an example of the docstring awaits, making it a ``python -m asyncio`` session."""
    flags = compile_flags(test.globs)
    for example in test.examples:
        try:
            code = compile(example.source, "<doctest>", "single", flags, dont_inherit=True)
        except SyntaxError:
            continue  # an example that shows a SyntaxError: doctest checks it as written
        if code.co_flags & inspect.CO_COROUTINE:
            return True
    return False


async def _call(function: Callable[[], object]) -> object:
    return function()


class AsyncDocTestRunner(doctest.DocTestRunner):
    """doctest's runner, for docstrings whose examples may await: those run in ``loop``.

    doctest compiles each example and runs it with ``exec()``, which of an example that awaits
    would only create the coroutine. So while a docstring that awaits runs, the ``exec`` doctest
    calls (a global name of its module) is ``run_example``: the example is compiled with
    top-level await and runs in ``loop``, ``types.FunctionType(code, globs)()`` awaited when it
    is a coroutine (what ``python -m asyncio`` does), called from a task when not. The rest
    (output capture and comparison, directives, expected exceptions, reports) is doctest's own.
    """

    def __init__(self, loop: asyncio.Runner, *, optionflags: int = OPTIONFLAGS) -> None:
        super().__init__(optionflags=optionflags)
        self.loop = loop

    def run_example(self, code: types.CodeType, globs: dict[str, Any]) -> None:
        function = types.FunctionType(code, globs)
        if code.co_flags & inspect.CO_COROUTINE:
            self.loop.run(function())
        else:
            self.loop.run(_call(function))

    def run(
        self,
        test: doctest.DocTest,
        compileflags: int | None = None,
        out: Callable[[str], object] | None = None,
        clear_globs: bool = True,
    ) -> doctest.TestResults:
        if not awaits(test):
            return super().run(test, compileflags, out, clear_globs)
        flags = compile_flags(test.globs) | (compileflags or 0)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(doctest, "exec", self.run_example, raising=False)
            return super().run(test, flags, out, clear_globs)


DOCTESTS = docstring_tests()


@pytest.fixture
def simulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEpicServer]:
    """The reader's tenant: a fresh simulator, and the environment ``EpicClient()`` reads."""
    with FakeEpicServer(chargers=50).run_in_thread() as fake:
        point_env_at(monkeypatch, fake)
        yield fake


def test_the_package_has_docstring_examples() -> None:
    assert len(DOCTESTS) >= 50
    assert sum(awaits(test) for test in DOCTESTS) >= 20


def test_a_skipped_example_says_why() -> None:
    """An example that cannot run keeps ``# doctest: +SKIP`` only after a comment saying why."""
    unexplained = [
        f"{test.name}: {example.source.strip()}"
        for test in DOCTESTS
        for example in test.examples
        if example.options.get(doctest.SKIP)
        and not re.search(r"#[^#]*\w[^#]*#\s*doctest:", example.source)
    ]
    assert not unexplained


@pytest.mark.parametrize("test", DOCTESTS, ids=lambda test: test.name)
def test_docstring_examples(
    test: doctest.DocTest, simulator: FakeEpicServer, request: pytest.FixtureRequest
) -> None:
    assert test.docstring is not None
    if "EPIC_REDIS_URL" in test.docstring:
        request.getfixturevalue("redis_url")
    report: list[str] = []
    with asyncio.Runner() as loop:
        client = EpicClient(api_key=simulator.api_key, base_url=simulator.base_url)
        namespace = {**test.globs, "simulator": simulator, "client": client}
        session = doctest.DocTest(
            test.examples, namespace, test.name, test.filename, test.lineno, test.docstring
        )
        try:
            failed, _ = AsyncDocTestRunner(loop).run(session, out=report.append)
        finally:
            loop.run(client.aclose())
    if failed:
        pytest.fail("".join(report), pytrace=False)
