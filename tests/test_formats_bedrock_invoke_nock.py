"""A captured Bedrock InvokeModel exchange whose answer is the model's own body without a `usage`
(Titan, Llama, Cohere Command) is read by Bedrock's token-count response headers, as the
invocation log it amounts to. Before, no format read such a body: the file was refused whole
("cannot tell the log format") or, beside other captures, the lines were quarantined.

Records: Arize-ai/openinference, js/packages/openinference-instrumentation-bedrock/test/recordings/
(nock recordings of live calls; their `rawHeaders` as a header object, the Llama one's values as
lists, as VCR cassettes keep them):
- should-handle-amazon-titan-models.json @ 5540d7fb711682fec2bc157608be8e961a7b2ad5
- should-handle-meta-llama-models-invoke.json @ 1037c47e21e00b689666d2cc8871a195798033bc
- should-handle-cohere-command-models.json @ 8b5d606b8659fe4c2649cf567f2e5cc7865e3980
"""

from __future__ import annotations

from decimal import Decimal

from mmaudit.enrich import enrichers
from tests.conftest import write_jsonl

_HOST = "https://bedrock-runtime.us-east-1.amazonaws.com"
TITAN = {"request": {"url": f"{_HOST}/model/amazon.titan-text-express-v1/invoke", "method": "POST",
                     "body": {"inputText": "Hello, how are you?",
                              "textGenerationConfig": {"maxTokenCount": 100, "temperature": 0.7}}},
         "response": {"status": 200,
                      "headers": {"x-amzn-RequestId": "e8358968-2437-4c4c-9304-1f71d0bfd27a",
                                  "X-Amzn-Bedrock-Invocation-Latency": "2292",
                                  "X-Amzn-Bedrock-Output-Token-Count": "42", "X-Amzn-Bedrock-Input-Token-Count": "6"},
                      "body": {"inputTextTokenCount": 6, "results": [
                          {"tokenCount": 42, "completionReason": "FINISH",
                           "outputText": "\nThis model is designed to avoid generating sensitive content."}]}}}
LLAMA = {"request": {"url": f"{_HOST}/model/meta.llama3-8b-instruct-v1%3A0/invoke", "method": "POST",
                     "body": {"prompt": "Hello, how are you?", "max_gen_len": 100, "temperature": 0.7, "top_p": 0.9}},
         "response": {"status": 200,
                      "headers": {"x-amzn-RequestId": ["c7ea478f-9fe8-4087-b176-8a93a43dd39c"],
                                  "X-Amzn-Bedrock-Invocation-Latency": ["1061"],
                                  "X-Amzn-Bedrock-Output-Token-Count": ["18"], "X-Amzn-Bedrock-Input-Token-Count": ["6"]},
                      "body": {"generation": "Hello! I'm doing well, thank you for asking. How can I help you today?",
                               "prompt_token_count": 6, "generation_token_count": 18, "stop_reason": "length"}}}
COHERE = {"request": {"url": f"{_HOST}/model/cohere.command-text-v14/invoke", "method": "POST",
                      "body": {"prompt": "Hello, how are you?", "max_tokens": 100, "temperature": 0.7}},
          "response": {"status": 200,
                       "headers": {"x-amzn-RequestId": "bde031d0-0895-4cc8-baa6-c4d51c739cc2",
                                   "X-Amzn-Bedrock-Output-Token-Count": "43", "X-Amzn-Bedrock-Input-Token-Count": "6"},
                       "body": {"id": "bde031d0-0895-4cc8-baa6-c4d51c739cc2", "prompt": "Hello, how are you?",
                                "generations": [{"id": "6043bc09-510a-4589-88bb-cc11783218c1", "finish_reason": "COMPLETE",
                                                 "text": " Hi! I am an AI language model and I don't have feelings."}]}}}


def test_a_titan_answer_alone_is_read_by_its_headers(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "titan.jsonl", [TITAN]), enrichers=enrichers()).files
    assert (file.log_format, file.loaded, file.quarantined) == ("bedrock", 1, 0)
    (call,) = db.calls()
    # amazon.titan-text-express-v1 on Bedrock: 6 x $0.20 + 42 x $0.60 per 1M
    assert (call["call_id"], call["provider"], call["model"], call["input_tokens"], call["output_tokens"],
            call["cost_usd"]) == ("e8358968-2437-4c4c-9304-1f71d0bfd27a", "aws-bedrock", "amazon.titan-text-express-v1",
                                  6, 42, Decimal("0.0000264"))
    assert (call["user_prompt"], call["response_text"]) == (
        "Hello, how are you?", "\nThis model is designed to avoid generating sensitive content.")


def test_native_answers_beside_each_other_all_load(db, tmp_path):
    (file,) = db.ingest(write_jsonl(tmp_path / "invoke.jsonl", [TITAN, LLAMA, COHERE]), enrichers=enrichers()).files
    assert (file.loaded, file.quarantined) == (3, 0)
    got = {c["model"]: c for c in db.calls()}
    llama, cohere = got["meta.llama3-8b-instruct-v1:0"], got["cohere.command-text-v14"]
    # the headers' counts, whatever the recorder kept their values as (a VCR list here)
    assert (llama["call_id"], llama["input_tokens"], llama["output_tokens"], llama["response_text"]) == (
        "c7ea478f-9fe8-4087-b176-8a93a43dd39c", 6, 18,
        "Hello! I'm doing well, thank you for asking. How can I help you today?")
    # meta.llama3-8b-instruct-v1:0: 6 x $0.30 + 18 x $0.60 per 1M
    assert llama["cost_usd"] == Decimal("0.0000126")
    # Cohere Command's answer has no counts at all: the headers' are the call's (no price on record)
    assert (cohere["input_tokens"], cohere["output_tokens"], cohere["tokens_estimated"]) == (6, 43, False)
