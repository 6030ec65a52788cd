#!/usr/bin/env bash
# The mmaudit-gate action's work, runnable on its own (tests/test_ci_action.py runs it locally):
#   MMAUDIT_POLICY   the pull request's policy file                       (required)
#   MMAUDIT_BASE     the base policy file; else taken from git at MMAUDIT_BASE_REF
#   MMAUDIT_BASE_REF branch or commit holding the base version of MMAUDIT_POLICY
#   MMAUDIT_DB       the DuckDB file to replay                            (required)
#   MMAUDIT_PERIOD   period to replay (optional)
#   MMAUDIT_FAIL_IF  gates, one per line
#   MMAUDIT_EXTRA_ARGS  more `mmaudit simulate` options, split on spaces (e.g. --prices ours.yaml)
#   MMAUDIT_COMMENT  "true" to post the markdown on the pull request
#   MMAUDIT_DRY_RUN  "1": write the comment to $MMAUDIT_OUT_DIR/comment.json instead of posting it
#   GITHUB_TOKEN, GITHUB_REPOSITORY, PR_NUMBER, GITHUB_API_URL   for the comment
# Exit status: mmaudit's (0 pass, 1 a failed gate or nothing to judge, 2 usage or input error).
set -euo pipefail

: "${MMAUDIT_POLICY:?MMAUDIT_POLICY: the policy file of the pull request}"
: "${MMAUDIT_DB:?MMAUDIT_DB: the DuckDB file to replay}"
out_dir="${MMAUDIT_OUT_DIR:-${RUNNER_TEMP:-$(mktemp -d)}/mmaudit-gate}"
mkdir -p "$out_dir"

base="${MMAUDIT_BASE:-}"
if [ -z "$base" ] && [ -n "${MMAUDIT_BASE_REF:-}" ]; then
  # the base branch's version of the same file, under base/ so the two are labelled apart
  base="$out_dir/base/$(basename "$MMAUDIT_POLICY")"
  mkdir -p "$(dirname "$base")"
  git fetch --quiet --depth=1 origin "$MMAUDIT_BASE_REF" 2>/dev/null || true
  if ! git show "origin/$MMAUDIT_BASE_REF:$MMAUDIT_POLICY" > "$base" 2>/dev/null \
     && ! git show "$MMAUDIT_BASE_REF:$MMAUDIT_POLICY" > "$base" 2>/dev/null; then
    echo "no $MMAUDIT_POLICY on $MMAUDIT_BASE_REF: comparing against nothing" >&2
    base=""
  fi
fi

args=(simulate --db "$MMAUDIT_DB" --format markdown --out "$out_dir/report.md")
if [ -n "$base" ]; then args+=(-p "$base"); fi
args+=(-p "$MMAUDIT_POLICY")
if [ -n "${MMAUDIT_PERIOD:-}" ]; then args+=(--period "$MMAUDIT_PERIOD"); fi
if [ -n "${MMAUDIT_EXTRA_ARGS:-}" ]; then
  read -r -a extra <<< "$MMAUDIT_EXTRA_ARGS"
  args+=("${extra[@]}")
fi
while IFS= read -r gate; do
  if [ -n "${gate// /}" ]; then args+=(--fail-if "$gate"); fi
done <<< "${MMAUDIT_FAIL_IF:-}"

set +e
mmaudit "${args[@]}" 2> "$out_dir/stderr.txt"
status=$?
set -e
cat "$out_dir/stderr.txt" >&2

verdict=$([ "$status" -eq 0 ] && echo PASS || echo FAIL)
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "verdict=$verdict" >> "$GITHUB_OUTPUT"; fi

{
  echo "## mmaudit policy gate: $verdict"
  echo
  grep -E '^gate (passed|failed):|^error:' "$out_dir/stderr.txt" | sed 's/^/- /' || true
  echo
  if [ -f "$out_dir/report.md" ]; then cat "$out_dir/report.md"; fi
} > "$out_dir/comment.md"

if [ "${MMAUDIT_COMMENT:-true}" = "true" ]; then
  python3 -c 'import json, sys; json.dump({"body": open(sys.argv[1], encoding="utf-8").read()}, open(sys.argv[2], "w"))' \
    "$out_dir/comment.md" "$out_dir/comment.json"
  if [ "${MMAUDIT_DRY_RUN:-0}" = "1" ] || [ -z "${GITHUB_TOKEN:-}" ] || [ -z "${PR_NUMBER:-}" ]; then
    echo "dry run: the comment is in $out_dir/comment.json, not posted" >&2
  else
    curl --silent --show-error --fail -X POST \
      -H "Authorization: Bearer $GITHUB_TOKEN" -H "Accept: application/vnd.github+json" \
      "${GITHUB_API_URL:-https://api.github.com}/repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
      --data-binary "@$out_dir/comment.json" > /dev/null
  fi
fi
exit "$status"
