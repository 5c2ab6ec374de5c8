#!/usr/bin/env sh
# What a CI job does without a `services:` block: start valkey-bun in the background, wait until it is
# healthy, run the tests against it, stop it. (README.md (CI recipes) shows the same steps as a GitHub Actions job.)
# Usage: examples/ci.sh <test command...>        e.g. examples/ci.sh npm test
set -eu
PORT="${VALKEY_PORT:-6379}"
# The valkey-bun command: on PATH, else the project's own node_modules/.bin, else this checkout's bin.
VALKEY_BUN="$(command -v valkey-bun || true)"
[ -n "$VALKEY_BUN" ] || [ ! -x node_modules/.bin/valkey-bun ] || VALKEY_BUN=node_modules/.bin/valkey-bun
[ -n "$VALKEY_BUN" ] || VALKEY_BUN="$(dirname "$0")/../bin/valkey-bun.cjs"
"$VALKEY_BUN" --port "$PORT" --loglevel warning &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
"$VALKEY_BUN" health --url "redis://127.0.0.1:$PORT" --wait 30s
REDIS_URL="redis://127.0.0.1:$PORT" "$@"
