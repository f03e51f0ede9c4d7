#!/usr/bin/env bash
# Makes sure the real tools the test suite runs are installed: promtool and prometheus,
# amtool and alertmanager, the Pushgateway, kubectl (kustomize), openssl (TLS test certificates),
# and Debian's python3 with scipy and scikit-learn (reference implementations for the statistics
# cross-checks).
# Installs the missing Debian packages when it can (root with apt-get); otherwise fails loudly,
# naming what is missing, so no tool-backed test is ever skipped.
set -euo pipefail

declare -A need=(
  [/usr/bin/promtool]=prometheus
  [/usr/bin/prometheus]=prometheus
  [/usr/bin/amtool]=prometheus-alertmanager
  [/usr/bin/prometheus-alertmanager]=prometheus-alertmanager
  [/usr/bin/prometheus-pushgateway]=prometheus-pushgateway
  [/usr/bin/python3]=python3
  [/usr/bin/openssl]=openssl
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
# The Debian packages start no services in containers, but stop any that a full system started,
# so tests own every port they use.
for svc in prometheus prometheus-alertmanager prometheus-pushgateway; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$svc" 2>/dev/null; then systemctl stop "$svc" || true; fi
done
echo "test tools: $(promtool --version 2>&1 | head -1); $(amtool --version 2>&1 | head -1); kubectl $(kubectl version --client 2>/dev/null | head -1); scipy $(/usr/bin/python3 -c 'import scipy; print(scipy.__version__)'); sklearn $(/usr/bin/python3 -c 'import sklearn; print(sklearn.__version__)')"
