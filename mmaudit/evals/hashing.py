r"""The prompt hash an eval item and a logged call share: the md5 that ingest stores in
`calls.prompt_hash` (the `mm_prompt_hash` macro in mmaudit/formats/macros.py).

Recipe, for teams computing it outside mmaudit (docs/evals.md; `tests/test_evals.py` checks it
against the macro on random Unicode text): join the prompt's message texts with a newline (system
first, then each message in order), put one newline in front, strip Unicode space separators
(category Zs, what DuckDB's `trim` strips) from both ends, replace every run of ASCII whitespace
(RE2's `\s`: `[\t\n\f\r ]`) by one space, lower-case as DuckDB does (Python's `lower` but `İ`
becomes `i`), and take the hex md5 of the UTF-8 bytes. `mmaudit evals hash` prints it, so a
team can check its own code against ours.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import duckdb

from mmaudit.errors import InputError
from mmaudit.formats import macros


def prompt_hashes(texts: Sequence[str], messages: bool = False) -> list[str | None]:
    """Hash prompts the way ingest does; with `messages`, each text is a chat `messages` JSON
    array (OpenAI shape: the system message is one of the messages)."""
    if messages:
        for text in texts:
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as exc:
                raise InputError(f"--messages: not JSON ({exc.msg} at character {exc.pos})") from None
            if not isinstance(parsed, list) or not parsed or not all(
                    isinstance(m, dict) and "role" in m and "content" in m for m in parsed):
                raise InputError("--messages: expected a JSON array of {role, content} messages, "
                                 f"found {text[:60]!r}")
    con = duckdb.connect(":memory:")
    try:
        macros.install(con)
        expr = "mm_prompt_hash(NULL, mm_all_text(t))" if messages else "mm_prompt_hash(NULL, t)"
        con.execute("CREATE TEMP TABLE _t (i INTEGER, t VARCHAR)")
        con.executemany("INSERT INTO _t VALUES (?, ?)", list(enumerate(texts)))
        hashes = [r[0] for r in con.execute(f"SELECT {expr} FROM _t ORDER BY i").fetchall()]
    finally:
        con.close()
    if messages and None in hashes:  # no text in them: nothing a stored call could match (a blank line, exit 0)
        raise InputError(f"--messages: no message text to hash in {texts[hashes.index(None)][:60]!r}")
    return hashes
