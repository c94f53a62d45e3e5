#!/usr/bin/env bash
# Builds the image the host-boot test boots: Debian's systemd as PID 1, with what the customer
# host's boot script uses (curl, python3, the AWS CLI, git), from Debian's packages with mmdebstrap and
# `docker import`, so no registry is needed. Skipped when an image of the same recipe exists.
# Usage: build-host-image.sh TAG
set -euo pipefail
tag="${1:?usage: $0 TAG}"
packages=systemd,systemd-sysv,dbus,curl,python3,awscli,ca-certificates,iproute2,procps,git
recipe="$(printf '%s\n' "$packages" "bookworm" | sha256sum | cut -c1-16)"

if [ "$(docker image inspect --format '{{ index .Config.Labels "dockercise.recipe" }}' "$tag" 2>/dev/null)" = "$recipe" ]; then
  exit 0
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
  echo "mmdebstrap is missing: apt-get install mmdebstrap" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mmdebstrap --quiet --variant=apt --include="$packages" bookworm "$work/root.tar"
docker import --change 'CMD ["/sbin/init"]' --change "LABEL dockercise.recipe=$recipe" \
  --change 'ENV container=docker' "$work/root.tar" "$tag" >/dev/null
