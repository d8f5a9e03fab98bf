"""Spans as the tracing tests read them: an OpenTelemetry SDK provider exporting to memory.

Each test builds its own provider and passes it as ``EpicClient(tracer_provider=...)``: the
global provider is never set, so no other test of the suite is traced.
"""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Tracer

__all__ = ["SpanRecorder"]


class SpanRecorder:
    """A tracer provider whose finished spans are kept in memory, with lookups for asserts."""

    def __init__(self) -> None:
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracer: Tracer = self.provider.get_tracer("tests")

    @property
    def spans(self) -> list[ReadableSpan]:
        return list(self.exporter.get_finished_spans())

    def named(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans if span.name == name]

    def one(self, name: str) -> ReadableSpan:
        found = self.named(name)
        assert len(found) == 1, f"{len(found)} spans named {name!r}: {[s.name for s in self.spans]}"
        return found[0]

    def children(self, parent: ReadableSpan) -> list[ReadableSpan]:
        span_id = parent.context.span_id
        return [span for span in self.spans if span.parent and span.parent.span_id == span_id]

    def is_child(self, span: ReadableSpan, parent: ReadableSpan) -> bool:
        return (
            span.parent is not None
            and span.parent.span_id == parent.context.span_id
            and span.context.trace_id == parent.context.trace_id
        )

    def close(self) -> None:
        self.provider.shutdown()
