"""What gateways and SDK wrappers put around a provider's body: `{request, response | error}`
pairs with the wrapper's own time, status and latency. Shared by the body-based adapters."""

from __future__ import annotations

# Wrapper fields a logged pair commonly carries beside `request` and `response`.
PAIR_WRAPPER: dict[str, str] = {
    "request_id": "VARCHAR",
    "timestamp": "VARCHAR",
    "created_at": "VARCHAR",
    "status_code": "VARCHAR",
    "http_status": "VARCHAR",
    "latency_ms": "VARCHAR",
    "duration_ms": "VARCHAR",
    "ttft_ms": "VARCHAR",
    "provider": "VARCHAR",
    "metadata": "JSON",
    "tags": "JSON",
    "cost_usd": "VARCHAR",
}


def body(path: str) -> str:
    """A body field, whether the record is a bare body or a pair with `response`."""
    return f"coalesce(r.response.{path}, r.{path})"
