#!/usr/bin/env sh
# What a CI job does without a `services:` block: start valkey-bun in the background, wait until it is
# healthy, run the tests against it, stop it. (README.md (Dev stack section) shows the same steps as a GitHub Actions job.)
# Usage: examples/ci.sh <test command...>        e.g. examples/ci.sh npm test
set -eu
PORT="${VALKEY_PORT:-6379}"
valkey-bun --port "$PORT" --loglevel warning &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true' EXIT
valkey-bun health --url "redis://127.0.0.1:$PORT" --wait 30s
REDIS_URL="redis://127.0.0.1:$PORT" "$@"
