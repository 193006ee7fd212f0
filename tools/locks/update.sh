#!/usr/bin/env bash
# Resolves the dependencies of a generated service, once per database, broker, use of
# decimals, of `auth:` and of gRPC (served, or only called), and for a system's gateway with and without tokens to
# check, and writes the lock files msgen cuts each Cargo.lock from (templates/locks/). Run it after changing a dependency in templates/service/Cargo.toml.tera:
# what the lock files already hold keeps its version. With `--upgrade`, every package moves to
# the newest compatible version. Then run the test suite, which checks every service it
# generates against them with `--locked`.
set -euo pipefail
cd "$(dirname "$0")/../.."
upgrade=false
if [ "${1:-}" = --upgrade ]; then
    upgrade=true
fi

# A gRPC variant that has no lock yet starts from the lock of the same service serving gRPC,
# or without it, so that the packages they share keep their versions (msgen embeds the locks:
# it is built after).
for lock in templates/locks/{sqlite,postgres}-*.lock; do
    case "$lock" in *-grpc.lock | *-grpc-client.lock) continue ;; esac
    grpc="${lock%.lock}-grpc.lock"
    [ -f "$grpc" ] || cp "$lock" "$grpc"
    [ -f "${lock%.lock}-grpc-client.lock" ] || cp "$grpc" "${lock%.lock}-grpc-client.lock"
done

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

# resolve DIR VARIANT: resolves the crate in DIR and keeps its lock as
# templates/locks/VARIANT.lock.
resolve() {
    local crate=$1 lock="templates/locks/$2.lock"
    if $upgrade || [ ! -f "$lock" ]; then
        rm "$crate/Cargo.lock"
        (cd "$crate" && cargo generate-lockfile --quiet)
    else
        # Only the crate's own entry is resolved again.
        cp "$lock" "$crate/Cargo.lock"
        (cd "$crate" && cargo update --workspace --quiet)
    fi
    cp "$crate/Cargo.lock" "$lock"
    echo "$lock"
}

# A service that serves gRPC, for the variants that call one over gRPC (`$work/callee`).
mkdir -p "$work/callee"
cat >"$work/callee/msgen.yaml" <<'YAML'
service: grpc-callee
transports: [http, grpc]
entities:
  Thing:
    fields:
      label: string
endpoints:
  - resource: Thing
YAML
calls='dependencies:
  grpc-callee:
    spec: callee/msgen.yaml
    transport: grpc
    operations: [list_things, get_thing]'

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
            resolve "$work/$variant/every-dependency" "$variant"
            # The same service serving gRPC too.
            printf '%s\ntransports: [http, grpc]\n' "$(cat "$source")" >"$work/$variant.yaml"
            "$msgen" --quiet new every-dependency --spec "$work/$variant.yaml" \
                --dir "$work/$variant-grpc" --database "$database" --broker "$broker"
            resolve "$work/$variant-grpc/every-dependency" "$variant-grpc"
            # The same service calling another over gRPC, serving HTTP only.
            printf '%s\n%s\n' "$(cat "$source")" "$calls" >"$work/$variant-client.yaml"
            "$msgen" --quiet new every-dependency --spec "$work/$variant-client.yaml" \
                --dir "$work/$variant-grpc-client" --database "$database" --broker "$broker"
            resolve "$work/$variant-grpc-client/every-dependency" "$variant-grpc-client"
        done
    done
done

# A system's gateway, with and without a service that checks tokens: the example shop, and
# the shop with `auth:` taken out of payment-service.
for variant in gateway-auth gateway; do
    system="$work/$variant"
    cp -r examples/shop "$system"
    if [ "$variant" = gateway ]; then
        sed -i -e '/^auth:$/,/^$/d' -e '/^    scopes:/d' "$system/payment-service/msgen.yaml"
    fi
    (cd "$system" && "$msgen" --quiet system generate)
    resolve "$system/gateway" "$variant"
done
