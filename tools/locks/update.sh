#!/usr/bin/env bash
# Resolves the dependencies of a generated service anew, once per database, broker, use of
# decimals and of `auth:`, and writes the lock files msgen cuts each service's Cargo.lock from
# (templates/locks/). Run it after changing a dependency in templates/service/Cargo.toml.tera,
# or to move every service to the newest compatible versions; then run the test suite, which
# checks every service it generates against them with `--locked`.
set -euo pipefail
cd "$(dirname "$0")/../.."

cargo build --quiet
msgen="$PWD/target/debug/msgen"
spec="$PWD/tools/locks/every-dependency.yaml"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The same service without its decimal field, and each with `auth:`.
grep -v 'type: decimal' "$spec" >"$work/no-decimal.yaml"
auth='auth:\n  issuer: https://id.example.com/\n  audience: every-dependency\n  jwks_url: https://id.example.com/jwks\n'
printf "%s\n$auth" "$(cat "$spec")" >"$work/auth.yaml"
printf "%s\n$auth" "$(cat "$work/no-decimal.yaml")" >"$work/no-decimal-auth.yaml"

for database in sqlite postgres; do
    for broker in none nats rabbitmq kafka; do
        for variant in -decimal "" -decimal-auth -auth; do
            case "$variant" in
                -decimal) source="$spec" ;;
                "") source="$work/no-decimal.yaml" ;;
                -decimal-auth) source="$work/auth.yaml" ;;
                -auth) source="$work/no-decimal-auth.yaml" ;;
            esac
            variant="$database-$broker$variant"
            "$msgen" --quiet new every-dependency --spec "$source" --dir "$work/$variant" \
                --database "$database" --broker "$broker"
            service="$work/$variant/every-dependency"
            rm "$service/Cargo.lock"
            (cd "$service" && cargo generate-lockfile --quiet)
            cp "$service/Cargo.lock" "templates/locks/$variant.lock"
            echo "templates/locks/$variant.lock"
        done
    done
done
