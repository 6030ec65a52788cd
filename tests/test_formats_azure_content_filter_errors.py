"""Azure OpenAI refuses a prompt its content filter flags with an error body that carries the HTTP
status inside it (`"status": 400`), which a google.rpc error's status name (`INVALID_ARGUMENT`)
is not: it is a failed call of class content_filter, not a line no format reads."""

from __future__ import annotations

from tests.conftest import write_jsonl

# traceloop/openllmetry packages/opentelemetry-instrumentation-openai/tests/traces/cassettes/
# test_azure/test_prompt_content_filtering.yaml @ 3f857ee10657b3b47f03eeb532fbd9cb1332382d (trimmed)
ERROR = {"error": {"message": "The response was filtered due to the prompt triggering Azure Content management policy.",
                   "type": None, "param": "prompt", "code": "content_filter", "status": 400,
                   "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": {
                       "hate": {"filtered": True, "severity": "high"}, "sexual": {"filtered": False, "severity": "safe"}}}}}
CAPTURED = {"capturedAt": "2024-04-25T09:46:20+00:00",
            "request": {"url": "https://traceloop-stg.openai.azure.com//openai/deployments/openllmetry-testing/chat/"
                               "completions?api-version=2024-02-01", "method": "POST",
                        "body": {"messages": [{"role": "user", "content": "Tell me a joke about opentelemetry"}],
                                 "model": "openllmetry-testing"}},
            "response": {"status": 400, "body": ERROR}}


def test_azures_content_filter_error_is_a_failed_call(db, tmp_path):
    # before: both lines were quarantined (a file of the capture alone had no format)
    db.ingest(write_jsonl(tmp_path / "bare.jsonl", [ERROR]), write_jsonl(tmp_path / "captured.jsonl", [CAPTURED]))
    assert db.quarantine() == []
    got = {r["source_file"].rsplit("/", 1)[1]: r for r in db.calls()}
    for name in ("bare.jsonl", "captured.jsonl"):
        call = got[name]
        assert (call["status"], call["error_type"], call["http_status"], call["input_tokens"]) == (
            "error", "content_filter", 400, 0)
    assert got["captured.jsonl"]["provider"] == "azure"


def test_the_error_recorded_under_a_200_as_the_cassette_has_it_is_still_the_failed_call(db, tmp_path):
    """The cassette itself records this answer under status 200 (gateways answer errors so too): the
    line was quarantined, and a file of it alone failed the run ("cannot tell the log format")."""
    as_recorded = {**CAPTURED, "response": {**CAPTURED["response"], "status": 200}}
    (file,) = db.ingest(write_jsonl(tmp_path / "recorded.jsonl", [as_recorded])).files
    assert (file.log_format, file.loaded, file.quarantined) == ("openai-chat", 1, 0)
    (call,) = db.calls()
    assert (call["provider"], call["status"], call["error_type"], call["http_status"]) == (
        "azure", "error", "content_filter", 400)
