#!/usr/bin/env bash
# Fetches the Prometheus-family binaries the tests run, from Debian sid, into .cache/tools/sid
# (gitignored): the same releases src/core/images.ts deploys (Prometheus 3.5.3 with promtool,
# Alertmanager 0.33.1 with amtool, Pushgateway 1.11.2, node-exporter 1.11.1), and the current
# exporters the datastore alerts are verified on (postgres_exporter, redis_exporter,
# blackbox_exporter; bookworm's are years old). Nothing is installed system-wide. A second run
# with the cache in place is a no-op. Prints the bin folder.
#
# test/support/tools.ts resolves these tools from that folder first; a drift test fails when
# their versions differ from the deployed ones.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/debian-tool.sh" sid "$root/.cache/tools/sid" \
  prometheus promtool prometheus-alertmanager prometheus-pushgateway prometheus-node-exporter >/dev/null
# A separate set (its own stamp), so caches fetched before the exporters were added stay valid.
exec bash "$root/scripts/debian-tool.sh" sid "$root/.cache/tools/sid" \
  prometheus-postgres-exporter prometheus-redis-exporter prometheus-blackbox-exporter
