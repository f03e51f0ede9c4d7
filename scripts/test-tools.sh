#!/usr/bin/env bash
# Makes sure the real tools the test suite runs are present:
# - promtool and prometheus, amtool and alertmanager, the Pushgateway and node-exporter, in the
#   releases the manifests deploy, fetched from Debian sid into .cache/tools/sid
#   (scripts/fetch-test-tools.sh; test/support/tools.ts resolves them from there);
# - postgres_exporter, redis_exporter and blackbox_exporter from Debian sid (same folder);
# - kubectl (kustomize), openssl (TLS test certificates), Debian's python3 with scipy and
#   scikit-learn (reference implementations for the statistics cross-checks), and the real
#   datastores the exporters are driven against (PostgreSQL's initdb and pg_ctl, redis-server),
#   from the system.
# Installs the missing Debian packages when it can (root with apt-get); otherwise fails loudly,
# naming what is missing, so no tool-backed test is ever skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A need=(
  [/usr/bin/python3]=python3
  [/usr/bin/openssl]=openssl
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/redis-cli]=redis-tools
  [/usr/bin/psql]=postgresql-client
)
missing=()
for path in "${!need[@]}"; do
  [ -x "$path" ] || missing+=("${need[$path]}")
done
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c 'import scipy' 2>/dev/null || missing+=(python3-scipy)
  /usr/bin/python3 -c 'import sklearn' 2>/dev/null || missing+=(python3-sklearn)
else
  missing+=(python3-scipy python3-sklearn)
fi

# PostgreSQL's server binaries live in a versioned folder (initdb and pg_ctl are not on PATH).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)

# kubectl (with its built-in kustomize) ships with the machine image; Debian's kubernetes-client
# is the fallback.
command -v kubectl >/dev/null || missing+=(kubernetes-client)

if [ ${#missing[@]} -gt 0 ]; then
  mapfile -t pkgs < <(printf '%s\n' "${missing[@]}" | sort -u)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing test tools: ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
  else
    echo "missing test tools: ${pkgs[*]}; install them with: sudo apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
fi

bin=$(bash scripts/fetch-test-tools.sh | tail -1)
for tool in prometheus promtool prometheus-alertmanager amtool prometheus-pushgateway prometheus-node-exporter prometheus-postgres-exporter prometheus-redis-exporter prometheus-blackbox-exporter; do
  [ -x "$bin/$tool" ] || { echo "missing $bin/$tool after fetching; run: bash scripts/fetch-test-tools.sh" >&2; exit 1; }
done
echo "test tools: $("$bin/promtool" --version 2>&1 | head -1); $("$bin/amtool" --version 2>&1 | head -1); $("$bin/prometheus-pushgateway" --version 2>&1 | head -1); kubectl $(kubectl version --client 2>/dev/null | head -1); scipy $(/usr/bin/python3 -c 'import scipy; print(scipy.__version__)'); sklearn $(/usr/bin/python3 -c 'import sklearn; print(sklearn.__version__)')"
