"""One request of a live run, end to end: reserve its worst case, send, retry, price what came back.

Retries follow 429, 5xx, timeouts and dropped connections with exponential backoff and full
jitter. A refused attempt (429/5xx: the gateway answered with an error) releases its reservation;
an attempt that may have been processed (timeout, dropped stream) keeps its worst case as spent,
marked as a bound, so the budget can never be passed by requests whose cost is unknown.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from decimal import Decimal

from mmaudit.live.budget import Budget, BudgetExhausted, Pricer, input_bound
from mmaudit.live.client import Client, Reply, SendError


@dataclass(frozen=True)
class Request:
    item: str  # call_id, else prompt_hash
    model: str  # model key (prices, storage)
    name: str  # the name sent (as the user wrote it)
    role: str  # candidate | judge_ab | judge_ba | rubric:<name> | label
    messages: list[dict[str, str]]
    max_tokens: int
    candidate: str | None = None  # judge requests: the candidate's model key


@dataclass
class Outcome:
    """What one request came to. status: ok | failed (a 4xx: the same request would fail again) |
    gave_up (429/5xx/timeouts past the retries: a re-run tries again) | stopped (budget, Ctrl-C or
    credentials refused: `halt` says which when the whole run must stop)."""

    request: Request
    status: str
    reply: Reply | None = None
    error: str | None = None
    attempts: int = 0
    cost: Decimal = Decimal(0)  # every attempt, bounds included: what the budget counts
    bound: Decimal = Decimal(0)  # of cost, worst cases standing in for unknown costs
    halt: str | None = None  # budget | auth: no further request of the run may start

    @property
    def answer_cost(self) -> Decimal:
        """The answer's own cost, priced from its reported usage (None-free: 0 without a reply)."""
        return self.cost - self.bound if self.reply is not None else Decimal(0)


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 4
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))


def send(
    client: Client,
    pricer: Pricer,
    budget: Budget,
    request: Request,
    policy: RetryPolicy,
    stop: threading.Event,
) -> Outcome:
    """Send `request` within `budget`. Raises BudgetExhausted if not even one attempt fits."""
    worst = pricer.cost(request.model, input_bound(request.messages), request.max_tokens)
    bound = Decimal(0)
    attempt = 0
    while True:
        try:
            reservation = budget.reserve(worst)
        except BudgetExhausted as exc:
            if attempt == 0:
                raise
            return Outcome(
                request, "stopped", error=f"budget: {exc}", attempts=attempt, cost=bound, bound=bound, halt="budget"
            )
        attempt += 1
        try:
            reply = client.send(request.name, request.messages, request.max_tokens)
        except SendError as exc:
            if exc.maybe_billed:
                budget.settle(reservation, worst, request.role)
                bound += worst
            else:
                budget.release(reservation)
            if exc.kind == "auth":
                return Outcome(request, "stopped", error=str(exc), attempts=attempt, cost=bound, bound=bound, halt="auth")
            if not exc.retryable or attempt > policy.retries:
                status = "gave_up" if exc.retryable else "failed"
                return Outcome(request, status, error=str(exc), attempts=attempt, cost=bound, bound=bound)
            if stop.wait(policy.delay(attempt)):
                return Outcome(
                    request, "stopped", error="interrupted", attempts=attempt, cost=bound, bound=bound
                )
            continue
        reported = reply.input_tokens is not None and reply.output_tokens is not None
        cost = pricer.cost(request.model, reply.input_tokens, reply.output_tokens) if reported else worst
        budget.settle(reservation, cost, request.role)
        return Outcome(
            request,
            "ok",
            reply,
            attempts=attempt,
            cost=cost + bound,
            bound=bound + (Decimal(0) if reported else cost),
        )
