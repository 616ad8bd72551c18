#!/usr/bin/env bash
# Builds the libFuzzer target for the JSON scanner of `nsbuild import` (fuzz/JSONFuzzer.swift) and runs it.
#
#   bash fuzz/json.sh [SECONDS]     # default 60
#
# As fuzz/run.sh does for the spec parser: everything goes under .build-fuzz/json/ (git-ignored), the corpus is
# seeded from fuzz/json-seeds/, and the script exits non-zero when the fuzzer finds anything.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

build=".build-fuzz/json"
binary="$build/json-fuzzer"
corpus="$build/corpus"
artifacts="$build/artifacts"
mkdir -p "$build" "$corpus" "$artifacts"

echo "fuzz: building $binary"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name JSONFuzz \
  Sources/Interchange/OCI/JSONSyntax.swift Sources/Interchange/OCI/OCINumberCheck.swift fuzz/JSONFuzzer.swift \
  -o "$binary"

for file in fuzz/json-seeds/*; do
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
