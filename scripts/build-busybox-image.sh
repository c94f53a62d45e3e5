#!/usr/bin/env bash
# Builds a tiny image for tests and examples on machines that cannot reach a registry, with
# `docker import`: from the host's static busybox (Debian: busybox-static) when there is one, else
# from the host's own shell and core utilities with the libraries they link.
# `--with TOOL` (repeatable) adds a host tool with the libraries it links, like git for the tests
# of checkouts.
# Usage: build-busybox-image.sh [--with TOOL]... TAG [TAG...]
set -euo pipefail

extra=()
while [ "${1:-}" = --with ]; do
  extra+=("${2:?--with needs a tool}")
  shift 2
done
if [ "$#" -eq 0 ]; then
  echo "usage: $0 [--with TOOL]... TAG [TAG...]" >&2
  exit 2
fi

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

static_busybox() {
  local candidate
  for candidate in /bin/busybox /usr/bin/busybox; do
    if [ -x "$candidate" ] && ! ldd "$candidate" >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

# Copies a host binary and every library it links into the image's root.
copy_with_libraries() {
  local binary="$1" lib
  cp -L "$binary" "$root/bin/$(basename "$binary")"
  for lib in $(ldd "$binary" 2>/dev/null | grep -oE '/[^ ]+' || true); do
    mkdir -p "$root$(dirname "$lib")"
    [ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
  done
}

if busybox="$(static_busybox)"; then
  source="$busybox"
  cp "$busybox" "$root/bin/busybox"
  for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
else
  source="host binaries"
  tools="sh cat echo printf sed head tail tr sleep env test true false mkdir ls rm cp mv touch wc seq yes uname whoami id date grep cut sort dd"
  for tool in $tools; do
    path="$(command -v "$tool" || true)"
    case "$path" in
      /*) copy_with_libraries "$path" ;;
      *) ;; # a shell builtin with no binary of its own: sh provides it
    esac
  done
  [ -x "$root/bin/sh" ] || { echo "no /bin/sh to build the image from" >&2; exit 1; }
fi

for tool in "${extra[@]}"; do
  path="$(command -v "$tool" || true)"
  [ -n "$path" ] || { echo "no $tool on this machine to put in the image" >&2; exit 1; }
  copy_with_libraries "$path"
done

first="$1"
shift
tar -C "$root" -c . | docker import --change 'CMD ["/bin/sh"]' - "$first" >/dev/null
for tag in "$@"; do docker tag "$first" "$tag"; done
echo "built $first from $source"
