#!/usr/bin/env bash
# Start the services the integration tests use, if they are down, and wait until they answer:
# RabbitMQ (+ management plugin, used by the emulator for per-stream users), PostgreSQL, NATS
# with JetStream. rsyslog is started by the syslog tests themselves with their own config.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port name seconds
  for _ in $(seq 1 "$3"); do port_open "$1" && return 0; sleep 1; done
  echo "$2 did not come up on 127.0.0.1:$1"; return 1
}

if ! port_open 5672; then
  echo "starting RabbitMQ"
  rabbitmq-server -detached
fi
wait_port 5672 RabbitMQ 90 || exit 1
if ! rabbitmq-plugins list -e -m 2>/dev/null | grep -qx rabbitmq_management; then
  echo "enabling rabbitmq_management"
  rabbitmq-plugins enable rabbitmq_management >/dev/null
fi
wait_port 15672 "RabbitMQ management" 60 || exit 1

if ! port_open 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
wait_port 5432 PostgreSQL 60 || exit 1

if ! port_open 4222; then
  echo "starting NATS (JetStream)"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server
fi
wait_port 4222 NATS 30 || exit 1
echo "services up: RabbitMQ 5672 (+15672), PostgreSQL 5432, NATS 4222"
