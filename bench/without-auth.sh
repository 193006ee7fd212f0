#!/usr/bin/env bash
# Writes examples/payment-service.yaml without `auth:` and the endpoints' `scopes:` to stdout:
# the service the runtime benchmarks compare with the hand-written baseline, which checks no
# tokens either.
set -euo pipefail
awk '/^auth:/ { skip = 1; next }
     skip && /^[^ #]/ { skip = 0 }
     !skip && !/^ *scopes:/' "$(dirname "$0")/../examples/payment-service.yaml"
