#!/usr/bin/env bash
# Builds the libFuzzer target for the YAML reader and writer of the Kubernetes export and import
# (fuzz/YAMLFuzzer.swift with Sources/YAML, over the system libyaml) and runs it.
#
#   bash fuzz/yaml.sh [SECONDS]     # default 60
#
# As fuzz/run.sh does for the spec parser: everything goes under .build-fuzz/yaml/ (git-ignored), the corpus is
# seeded from fuzz/yaml-seeds/, and the script exits non-zero when the fuzzer finds anything.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

build=".build-fuzz/yaml"
binary="$build/yaml-fuzzer"
corpus="$build/corpus"
artifacts="$build/artifacts"
mkdir -p "$build" "$corpus" "$artifacts"

echo "fuzz: building $binary"
sources=()
while IFS= read -r -d '' file; do sources+=("$file"); done < <(find Sources/YAML -name '*.swift' -print0 | sort -z)
# Sources/CYAML holds the module map of libyaml's header (libyaml-dev).
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name YAMLFuzz -I Sources/CYAML \
  "${sources[@]}" fuzz/YAMLFuzzer.swift -lyaml -o "$binary"

for file in fuzz/yaml-seeds/*; do
  name="$(cksum < "$file" | tr ' ' '-')"
  [ -e "$corpus/seed-$name" ] || cp "$file" "$corpus/seed-$name"
done

export SWIFT_BACKTRACE=enable=no
before="$(find "$artifacts" -type f | wc -l)"
status=0
echo "fuzz: running for ${seconds}s"
"$binary" "$corpus" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$artifacts/" -print_final_stats=1 2> "$build/fuzz.log" || status=$?
tail -n 12 "$build/fuzz.log"
after="$(find "$artifacts" -type f | wc -l)"
if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
  echo "fuzz: FINDING (exit $status); inputs in $artifacts/:" >&2
  find "$artifacts" -type f -newer "$binary" -printf '  %p (%s bytes)\n' >&2 || true
  exit "$((status == 0 ? 1 : status))"
fi
echo "fuzz: clean run of ${seconds}s"
