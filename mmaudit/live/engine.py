"""Running units of live work concurrently, within a budget, keeping what finished on Ctrl-C.

A unit is a function of a `Sender` (one prompt x candidate: answer, then judge). Units run on a
thread pool of `concurrency` workers; every finished request and every result a unit emits goes
through one queue to the calling thread, which alone writes the database (one DuckDB connection,
one writer). When the budget cannot cover a request's worst case, or on Ctrl-C, no new request
starts; requests in flight finish and are recorded, then the run ends with its status.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from mmaudit.live.budget import Budget, BudgetExhausted, Pricer
from mmaudit.live.client import Client
from mmaudit.live.sending import Outcome, Request, RetryPolicy, send


class Stopped(Exception):
    """Raised inside a unit that cannot go on: the run is stopping, or its request gave up."""


@dataclass
class EngineResult:
    status: str  # complete | budget_stopped | auth_failed | interrupted
    message: str | None = None  # why the run stopped (budget, credentials)


class Sender:
    """What a unit uses to send requests and hand results back to the writer."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def send(self, request: Request) -> Outcome:
        engine = self._engine
        if engine.stop.is_set():
            raise Stopped
        try:
            outcome = send(engine.client, engine.pricer, engine.budget, request, engine.policy, engine.stop)
        except BudgetExhausted as exc:
            engine.halt("budget", str(exc))
            raise Stopped from None
        engine.results.put(("request", outcome))
        if outcome.halt is not None:
            engine.halt(outcome.halt, (outcome.error or "").removeprefix("budget: "))
        if outcome.status in ("stopped", "gave_up"):
            raise Stopped
        return outcome

    def emit(self, kind: str, payload: Any) -> None:
        self._engine.results.put((kind, payload))


class Engine:
    def __init__(
        self, client: Client, pricer: Pricer, budget: Budget, policy: RetryPolicy, concurrency: int
    ) -> None:
        self.client, self.pricer, self.budget, self.policy = client, pricer, budget, policy
        self.concurrency = max(1, concurrency)
        self.stop = threading.Event()
        self.results: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._halted: tuple[str, str] | None = None

    def halt(self, reason: str, message: str) -> None:
        """Start no further request: the budget is spent or the gateway refused the credentials."""
        if self._halted is None:
            self._halted = (reason, message)
        self.stop.set()

    def _unit(self, unit: Callable[[Sender], None]) -> None:
        if self.stop.is_set():
            return
        try:
            unit(Sender(self))
        except Stopped:
            pass

    def run(self, units: list[Callable[[Sender], None]], record: Callable[[str, Any], None]) -> EngineResult:
        """Run `units`; `record(kind, payload)` is called on this thread for every result."""
        interrupted = False
        pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="mmaudit-live")
        futures: list[Future[None]] = [pool.submit(self._unit, u) for u in units]
        try:
            while True:
                try:
                    self._drain(futures, record)
                    break
                except KeyboardInterrupt:
                    if interrupted:
                        raise  # a second Ctrl-C abandons the requests still in flight
                    interrupted = True
                    self.stop.set()
        finally:
            self.stop.set()
            pool.shutdown(wait=not interrupted, cancel_futures=True)
        errors = [f.exception() for f in futures if f.done() and not f.cancelled() and f.exception()]
        if errors:
            raise errors[0]
        if interrupted:
            return EngineResult("interrupted")
        if self._halted is not None:
            reason, message = self._halted
            return EngineResult("budget_stopped" if reason == "budget" else "auth_failed", message)
        return EngineResult("complete")

    def _drain(self, futures: list[Future[None]], record: Callable[[str, Any], None]) -> None:
        while True:
            try:
                kind, payload = self.results.get(timeout=0.05)
            except queue.Empty:
                if all(f.done() for f in futures) and self.results.empty():
                    return
                continue
            record(kind, payload)
