#!/usr/bin/env bash
# Debian packages the tests and the benchmark need; installs only what is missing.
#   python3-pika, python3-requests: the seed's own Python script (run by /usr/bin/python3)
#   rsyslog, rsyslog-gnutls:        the syslog sink is tested against a real rsyslog (TCP and TLS)
#   librabbitmq-dev, gcc:           the C reference consumer of `npm run bench`
#   openssl:                        the emulator generates its local CA and certificates with it
#   tinyproxy:                      the outbound proxy tests (API and AMQPS through an HTTP CONNECT tunnel)
#   rabbitmq-server, postgresql,    the servers `npm test` (scripts/test.sh) starts private instances
#   nats-server:                    of; a machine of this project's kind has them already
#   iproute2, util-linux:           `ip` and `unshare`: the demo and the emulator are tested with no RabbitMQ
#                                   inside a network namespace with only loopback (needs root)
#   chromium:                       the dashboard's browser test (driven by playwright-core; no browser download)
#   systemd:                        `systemd-analyze verify` of the packaged unit file (present on most systems)
set -euo pipefail
pkgs=(python3-pika python3-requests rsyslog rsyslog-gnutls librabbitmq-dev gcc openssl tinyproxy
  rabbitmq-server postgresql nats-server iproute2 util-linux chromium systemd)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "Debian packages present: ${pkgs[*]}"
  exit 0
fi
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
