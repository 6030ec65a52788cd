"""OpenAI Audio API transcriptions: gpt-4o-transcribe bills tokens (its audio input at the audio
rate), whisper-1 the audio's duration (per minute: not in the rate table, so unpriced, never $0)."""

from __future__ import annotations

from decimal import Decimal

from mmaudit.pricing import load_catalog, pricing_enricher
from tests.conftest import write_jsonl

TOKENS = {"request": {"model": "gpt-4o-transcribe", "response_format": "json"}, "timestamp": "2026-11-20T10:00:00Z",
          "response": {"text": "Hello there.", "usage": {"type": "tokens", "input_tokens": 14, "total_tokens": 59,
                                                         "input_token_details": {"text_tokens": 0, "audio_tokens": 14},
                                                         "output_tokens": 45}}}
# whisper-1's verbose_json, as the Audio API returns it (recorded by vercel/ai)
WHISPER = {"task": "transcribe", "language": "english", "duration": 36.71, "text": "Imagine the wildest idea",
           "segments": [], "usage": {"type": "duration", "seconds": 37}}


def test_transcriptions_are_calls_priced_on_their_tokens_or_reported_unpriced(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "audio.jsonl", [TOKENS, {"request": {"model": "whisper-1"}, "response": WHISPER}, WHISPER]),
                       enrichers=(pricing_enricher(load_catalog()),))
    assert (result.files[0].log_format, result.files[0].loaded, result.files[0].quarantined) == ("openai-audio", 3, 0)
    rows = db.con.execute("SELECT model, operation, input_tokens, input_audio_tokens, output_tokens, tags, cost_usd, response_text "
                          "FROM calls ORDER BY source_line").fetchall()
    gpt, whisper, bare = rows
    # gpt-4o-transcribe: 14 audio tokens at $6 per 1M, 45 output tokens at $10
    assert gpt[:5] == ("gpt-4o-transcribe", "transcription", 14, 14, 45)
    assert gpt[6] == (14 * 6 + 45 * 10) / Decimal(10**6) and gpt[7] == "Hello there."
    # whisper-1 bills $0.006 a minute: its seconds are kept, its cost is unknown, not $0
    assert whisper[0] == "whisper-1" and whisper[5]["audio_seconds"] == "37.0" and whisper[6] is None
    assert bare[0] is None and bare[5] == {"audio_seconds": "37.0", "language": "english", "task": "transcribe"}


def test_a_replay_counts_an_unpriced_transcription_as_unpriced_not_free(tmp_path):
    import json

    from typer.testing import CliRunner

    from mmaudit.cli import app

    db = tmp_path / "a.duckdb"
    runner = CliRunner()
    log = write_jsonl(tmp_path / "a.jsonl", [TOKENS, {"request": {"model": "whisper-1"}, "response": WHISPER,
                                                      "timestamp": "2026-11-20T10:00:00Z"}])
    assert runner.invoke(app, ["ingest", str(log), "--db", str(db)]).exit_code == 0
    policy = tmp_path / "p.yaml"
    policy.write_text("version: 1\nname: keep\ntiers:\n  any: {models: [gpt-4o-transcribe]}\nroutes:\n  - default: keep\n",
                      encoding="utf-8")
    done = runner.invoke(app, ["simulate", "--db", str(db), "--policy", str(policy), "-f", "json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert (result["calls"], result["unpriced_calls"]) == (2, 1)
    assert Decimal(str(result["baseline_cost_usd"])) == Decimal("0.000534")


# A captured Audio API exchange: the upload is multipart/form-data, so the model is a form field, not
# JSON. Recorded by braintrustdata/braintrust-sdk-python,
# py/src/braintrust/integrations/openai/cassettes/latest/test_openai_audio_transcription_streaming.yaml
# (commit 03b27b206bd514642e20f5d1d52005b36521bdf8): the request body (base64 there) decoded, the WAV
# bytes of its file part cut to their header; the streamed answer as recorded.
_BOUNDARY = "be5570ab444b4498f66c9d8f8e868e55"
_FORM = (f"--{_BOUNDARY}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\ngpt-4o-transcribe\r\n"
         f"--{_BOUNDARY}\r\nContent-Disposition: form-data; name=\"stream\"\r\n\r\ntrue\r\n"
         f"--{_BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"test_audio.wav\"\r\n"
         f"Content-Type: audio/x-wav\r\n\r\nRIFF$}}\x00\x00WAVEfmt \r\n--{_BOUNDARY}--\r\n")
CAPTURED = {"request": {"url": "https://api.openai.com/v1/audio/transcriptions", "method": "POST",
                        "headers": {"content-type": f"multipart/form-data; boundary={_BOUNDARY}"}, "body": _FORM},
            "response": {"status": 200, "headers": {"content-type": "text/event-stream; charset=utf-8",
                                                    "date": "Mon, 29 Jun 2026 14:00:19 GMT"},
                         "body": ("data: {\"type\":\"transcript.text.delta\",\"delta\":\".\"}\r\n\r\n"
                                  "data: {\"type\":\"transcript.text.done\",\"text\":\".\",\"usage\":{\"type\":\"tokens\","
                                  "\"total_tokens\":13,\"input_tokens\":10,\"input_token_details\":{\"text_tokens\":0,"
                                  "\"audio_tokens\":10},\"output_tokens\":3}}\r\n\r\ndata: [DONE]\r\n\r\n")}}


def test_a_captured_upload_names_its_model_in_the_form_and_is_priced(db, tmp_path):
    result = db.ingest(write_jsonl(tmp_path / "captured.jsonl", [CAPTURED]), enrichers=(pricing_enricher(load_catalog()),))
    assert (result.files[0].log_format, result.files[0].loaded) == ("openai-audio", 1)
    row = db.con.execute("SELECT provider, model, input_tokens, input_audio_tokens, output_tokens, cost_usd FROM calls").fetchone()
    # 10 audio tokens at $6 per 1M and 3 output tokens at $10: it was unpriced (no model)
    assert row == ("openai", "gpt-4o-transcribe", 10, 10, 3, (10 * 6 + 3 * 10) / Decimal(10**6))
