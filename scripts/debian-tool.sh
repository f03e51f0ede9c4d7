#!/usr/bin/env bash
# Provenance: copied unchanged (below this header) from the shared machine tools,
# ../shared/tools/debian-tool.sh, so that a clean clone can fetch the test tools on its own.
# Fetches binaries of a newer Debian suite without installing them system-wide, so tests can run
# the same versions the manifests deploy (bookworm's own prometheus is 2.42, alertmanager 0.25).
#
# usage: debian-tool.sh SUITE DEST PACKAGE...
#   e.g. debian-tool.sh sid .cache/tools/sid prometheus promtool prometheus-alertmanager
# Binaries land in DEST/root/usr/bin (plus DEST/root/usr/share for web assets); the script prints
# that bin directory last. It reuses DEST when the packages are already there. Needs root for
# nothing but apt's own cache locking; reaches only the Debian mirror this machine is set up with.
set -euo pipefail
suite=${1:?suite, e.g. sid or trixie}; dest=${2:?destination folder}; shift 2
(( $# > 0 )) || { echo "name at least one package" >&2; exit 2; }
mkdir -p "$dest" && dest=$(cd "$dest" && pwd)
stamp="$dest/.done-$(printf '%s\n' "$@" | sort | tr '\n' '_')"
if [[ -f $stamp ]]; then echo "$dest/root/usr/bin"; exit 0; fi

# The mirror URI comes from this machine's own apt configuration.
uri=$( { grep -hE '^(URIs:|deb )' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null || true; } \
      | grep -v security | head -1 | awk '{ print $2 }')
[[ -n $uri ]] || { echo "no Debian mirror found in /etc/apt" >&2; exit 1; }
mkdir -p "$dest/state/lists/partial" "$dest/cache/archives/partial" "$dest/debs"
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $suite main" > "$dest/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$dest/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o "Dir::State=$dest/state" -o "Dir::Cache=$dest/cache" -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" -qq update >&2
(cd "$dest/debs" && apt-get "${apt_opts[@]}" -qq download "$@" >&2)
for deb in "$dest"/debs/*.deb; do dpkg-deb -x "$deb" "$dest/root"; done
touch "$stamp"
echo "$dest/root/usr/bin"
