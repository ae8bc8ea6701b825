#!/usr/bin/env bash
# `npm test`: the whole suite on a machine with nothing prepared.
#
#   1. installs the Debian packages the tests need, if any is missing (scripts/install-debian-deps.sh;
#      needs root or sudo);
#   2. starts private, throwaway service instances on free loopback ports in one temporary
#      directory — a RabbitMQ node (with its management plugin), a PostgreSQL cluster (initdb),
#      nats-server with JetStream — so a run never touches, nor collides with, the machine's own
#      services or another run (rsyslog and tinyproxy are started per test file by the tests);
#   3. runs vitest with their addresses in AMPSTREAM_TEST_* (read by test/helpers/services.ts),
#      passing on any arguments (`npm test -- test/sinks`);
#   4. stops the instances and removes the directory, whatever the outcome; exits with vitest's code.
#
# AMPSTREAM_TEST_SERVICES=local skips steps 1-2 and uses the services already listening on their
# usual ports (127.0.0.1:5672/15672, 5432, 4222), for a quick run on a prepared machine.
set -uo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test-setup] %s\n' "$*" >&2; }

if [ "${AMPSTREAM_TEST_SERVICES:-private}" = "local" ]; then
  exec npx vitest run "$@"
fi

./scripts/install-debian-deps.sh >&2 || { log "installing the Debian packages failed"; exit 1; }

work=$(mktemp -d /tmp/ampstream-test.XXXXXX)
chmod 755 "$work"
pids=()
rabbit_node=""
pg_data=""
started_epmd=""

cleanup() {
  set +e
  if [ -n "$rabbit_node" ]; then
    RABBITMQ_NODENAME="$rabbit_node" rabbitmqctl -q stop >/dev/null 2>&1
  fi
  # the Erlang port mapper, when this run started it (e.g. inside `unshare -n`)
  if [ -n "$started_epmd" ]; then
    epmd_bin=$(command -v epmd || ls /usr/lib/erlang/erts-*/bin/epmd 2>/dev/null | head -1)
    [ -n "$epmd_bin" ] && "$epmd_bin" -kill >/dev/null 2>&1
  fi
  if [ -n "$pg_data" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# n free loopback TCP ports, distinct
free_ports() {
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]); const servers = [];
    (async () => {
      for (let i = 0; i < n; i++) {
        const s = net.createServer(); servers.push(s);
        await new Promise((r) => s.listen(0, "127.0.0.1", r));
      }
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    })();' "$1"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port name seconds
  local i
  for ((i = 0; i < $3 * 5; i++)); do port_open "$1" && return 0; sleep 0.2; done
  log "$2 did not come up on 127.0.0.1:$1"
  return 1
}

read -r amqp_port dist_port mgmt_port pg_port nats_port < <(free_ports 5)
suffix=$(basename "$work" | cut -d. -f2)

# --- RabbitMQ: a node of its own (name, ports, data and logs in $work/rabbitmq) ----------------
# Run as the rabbitmq user (Debian's wrappers switch to it and keep RABBITMQ_* in the
# environment), so `rabbitmqctl` (used by the serial fault tests) shares its Erlang cookie.
rabbit_dir="$work/rabbitmq"
mkdir -p "$rabbit_dir/mnesia" "$rabbit_dir/log"
cat >"$rabbit_dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$amqp_port
management.tcp.ip = 127.0.0.1
management.tcp.port = $mgmt_port
loopback_users.guest = true
EOF
echo '[rabbitmq_management].' >"$rabbit_dir/enabled_plugins"
id -u rabbitmq >/dev/null 2>&1 && chown -R rabbitmq: "$rabbit_dir"
rabbit_node="ampstream-test-$suffix@localhost"
export RABBITMQ_NODENAME="$rabbit_node"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$amqp_port"
export RABBITMQ_DIST_PORT="$dist_port"
export RABBITMQ_CONFIG_FILE="$rabbit_dir/rabbitmq.conf"
export RABBITMQ_ENABLED_PLUGINS_FILE="$rabbit_dir/enabled_plugins"
export RABBITMQ_MNESIA_BASE="$rabbit_dir/mnesia"
export RABBITMQ_LOG_BASE="$rabbit_dir/log"
export RABBITMQ_PID_FILE="$rabbit_dir/node.pid"
port_open 4369 || started_epmd=1
log "starting RabbitMQ node $rabbit_node on 127.0.0.1:$amqp_port (management :$mgmt_port)"
rabbitmq-server -detached >/dev/null 2>&1 || { log "rabbitmq-server did not start"; exit 1; }

# --- PostgreSQL: a cluster of its own (initdb, trust auth, fsync off: it is thrown away) --------
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
pg_dir="$work/postgres" # data, socket and log, owned by the postgres user
pg_data="$pg_dir/data"
mkdir -p "$pg_dir"
chown postgres: "$pg_dir"
log "starting PostgreSQL on 127.0.0.1:$pg_port"
runuser -u postgres -- "$PG_BIN/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --no-sync >"$work/initdb.log" 2>&1 ||
  { log "initdb failed: $(tail -5 "$work/initdb.log")"; pg_data=""; exit 1; }
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$pg_data" -l "$pg_dir/postgres.log" -w -t 60 \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_dir -c fsync=off -c max_connections=200" start >/dev/null ||
  { log "PostgreSQL did not start: $(tail -5 "$pg_dir/postgres.log")"; exit 1; }
"$PG_BIN/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres test || { log "createdb test failed"; exit 1; }

# --- NATS with JetStream -------------------------------------------------------------------------
log "starting nats-server (JetStream) on 127.0.0.1:$nats_port"
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/nats" -l "$work/nats.log" &
pids+=($!)

wait_port "$nats_port" NATS 30 || exit 1
RABBITMQ_NODENAME="$rabbit_node" timeout 120 rabbitmqctl -q await_startup >/dev/null 2>&1 ||
  { log "RabbitMQ did not finish starting: $(tail -5 "$rabbit_dir"/log/*.log 2>/dev/null)"; exit 1; }
wait_port "$mgmt_port" "RabbitMQ management" 60 || exit 1

export AMPSTREAM_TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:$amqp_port"
export AMPSTREAM_TEST_MANAGEMENT_URL="http://guest:guest@127.0.0.1:$mgmt_port"
export AMPSTREAM_TEST_PG_HOST=127.0.0.1
export AMPSTREAM_TEST_PG_PORT="$pg_port"
export AMPSTREAM_TEST_PG_USER=postgres
export AMPSTREAM_TEST_PG_DATABASE=test
export AMPSTREAM_TEST_NATS_URL="nats://127.0.0.1:$nats_port"
log "services up in $work; running vitest"

npx vitest run "$@"
rc=$?
exit $rc
