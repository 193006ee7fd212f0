#!/usr/bin/env bash
# msgen's whole test suite on a fresh machine: installs the independent checkers the tests run
# (into target/tools/, nothing system-wide), starts the servers the tests talk to when they are
# not running, runs every test binary (one that fails does not stop the others) and ends with
# one line of totals. Arguments go to `cargo test`: `tools/test.sh --test e2e` runs one file.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "tools/test.sh: $*" >&2; }
tools="$PWD/target/tools"
mkdir -p "$tools"

# Checkers of what msgen generates: OpenAPI documents (openapi-spec-validator), running
# services (schemathesis), Kubernetes manifests (kubernetes-validate, offline), and pika for
# the RabbitMQ event tests; in a virtualenv, at the versions tools/requirements.txt pins.
venv="$tools/venv"
if ! cmp -s tools/requirements.txt "$venv/requirements.txt"; then
    say "installing the Python checkers into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tools/requirements.txt
    cp tools/requirements.txt "$venv/requirements.txt"
fi
export PATH="$venv/bin:$PATH"

# The npm packages the tests run, each at the versions its package-lock.json pins: the AsyncAPI
# parser (asyncapi.yaml), Backstage's catalog model (catalog-info.yaml), the OpenID Connect
# provider the end-to-end tests get tokens from, and buf (the gRPC contracts).
for tool in asyncapi buf catalog oidc; do
    stamp=tools/$tool/node_modules/.installed-from-package-lock.json
    if ! cmp -s "tools/$tool/package-lock.json" "$stamp"; then
        say "installing the packages of tools/$tool into tools/$tool/node_modules"
        npm ci --prefix "tools/$tool" --silent --no-audit --no-fund
        cp "tools/$tool/package-lock.json" "$stamp"
    fi
done

# zsh and fish, whose completion scripts tests/cli.rs loads (bash is here already).
missing=$(for shell in zsh fish; do command -v "$shell" >/dev/null || echo "$shell"; done)
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing" $missing
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
    else
        say "install these shells and run again:" $missing
        exit 1
    fi
fi

# The servers: PostgreSQL for the services generated for it, NATS with JetStream and RabbitMQ
# for the event tests. Each is started the way a Debian machine starts it, if nothing answers.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
    for _ in $(seq 120); do
        answers "$1" && return 0
        sleep 1
    done
    say "nothing answers on 127.0.0.1:$1 ($2); start it and run again"
    exit 1
}
if ! answers 5432; then
    say "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
wait_for 5432 "PostgreSQL, user postgres without a password"
if ! answers 4222; then
    say "starting NATS"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
        -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
fi
wait_for 4222 "NATS with JetStream"
if ! answers 5672; then
    say "starting RabbitMQ"
    # The node may be up with its application stopped, or not running at all.
    rabbitmqctl start_app >/dev/null 2>&1 || rabbitmq-server -detached
fi
wait_for 5672 "RabbitMQ, guest/guest"

log="$tools/test.log"
status=0
cargo test --no-fail-fast "$@" 2>&1 | tee "$log" || status=$?
awk '/^test result:/ { passed += $4; failed += $6 }
     END { printf "%d passed, %d failed\n", passed, failed }' "$log"
exit "$status"
