#!/usr/bin/env bash
# Builds a tiny image from the host's static busybox (Debian: busybox-static) with `docker import`,
# for tests and examples on machines that cannot reach a registry. Usage: build-busybox-image.sh TAG...
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 TAG [TAG...]" >&2
  exit 2
fi

busybox=""
for candidate in /bin/busybox /usr/bin/busybox "$(command -v busybox || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then busybox="$candidate"; break; fi
done
if [ -z "$busybox" ]; then
  echo "no busybox binary found: install Debian's busybox-static" >&2
  exit 1
fi
if ldd "$busybox" >/dev/null 2>&1; then
  echo "$busybox is linked dynamically; the image needs a static one (Debian's busybox-static)" >&2
  exit 1
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

first="$1"
tar -C "$root" -c . | docker import --change 'CMD ["/bin/sh"]' - "$first" >/dev/null
shift
for tag in "$@"; do docker tag "$first" "$tag"; done
echo "built $first from $busybox"
