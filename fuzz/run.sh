#!/usr/bin/env bash
# Builds the libFuzzer target for the spec parser and decoder (fuzz/SpecFuzzer.swift) and runs it.
#
#   bash fuzz/run.sh [SECONDS]     # default 60
#
# Everything it makes goes under .build-fuzz/ (git-ignored): the fuzzer binary, the working corpus (seeded from
# fuzz/seeds/, specs/*.toml and the toml-test suite at ../shared/toml-test/tests when present) and crash, timeout
# and leak artifacts in .build-fuzz/artifacts/. Exits non-zero when the fuzzer finds anything (a crash, a trap, a
# sanitizer report, an input that takes over 5 s, or memory over 2 GB), so CI fails.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"

build=".build-fuzz"
binary="$build/spec-fuzzer"
corpus="$build/corpus"
artifacts="$build/artifacts"
mkdir -p "$build" "$corpus" "$artifacts"

# Build: the parser's sources and the entry point, as one module.
sources=()
while IFS= read -r -d '' file; do sources+=("$file"); done \
  < <(find Sources/SpecParser -name '*.swift' -print0 | sort -z)
echo "fuzz: building $binary from ${#sources[@]} SpecParser sources"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name SpecParserFuzz \
  "${sources[@]}" fuzz/SpecFuzzer.swift -o "$binary"

# Seed corpus: committed seeds, the example specs and the TOML suite. Files are named by content hash, so
# re-seeding adds nothing twice and never overwrites what the fuzzer found.
seed() {
  local file="$1" name
  name="$(cksum < "$file" | tr ' ' '-')"
  [ -e "$corpus/seed-$name" ] || cp "$file" "$corpus/seed-$name"
}
count=0
for file in fuzz/seeds/* specs/*.toml; do
  [ -f "$file" ] || continue
  seed "$file"; count=$((count + 1))
done
suite="$root/../shared/toml-test/tests"
if [ -d "$suite" ]; then
  while IFS= read -r -d '' file; do
    seed "$file"; count=$((count + 1))
  done < <(find "$suite" -name '*.toml' -print0)
else
  echo "fuzz: no TOML suite at $suite; seeding from fuzz/seeds and specs/ only"
fi
echo "fuzz: $count seed inputs; corpus has $(find "$corpus" -type f | wc -l) files"

# Run. libFuzzer exits non-zero on any finding; so does this script, after saying where the input is. Swift's own
# crash backtracer is turned off: libFuzzer's handler reports a trap and saves the input, and the backtracer's memory
# reads would only add a spurious AddressSanitizer report after it.
export SWIFT_BACKTRACE=enable=no
before="$(find "$artifacts" -type f | wc -l)"
status=0
echo "fuzz: running for ${seconds}s"
"$binary" "$corpus" \
  -max_total_time="$seconds" \
  -timeout=5 \
  -rss_limit_mb=2048 \
  -max_len=65536 \
  -dict=fuzz/toml.dict \
  -artifact_prefix="$artifacts/" \
  -print_final_stats=1 \
  2> "$build/fuzz.log" || status=$?
# libFuzzer's progress lines are many; keep them in the log and show the end (its final stats, or a finding).
tail -n 25 "$build/fuzz.log"
after="$(find "$artifacts" -type f | wc -l)"
if [ "$status" -ne 0 ] || [ "$after" -gt "$before" ]; then
  echo "fuzz: FINDING (exit $status); inputs in $artifacts/:" >&2
  find "$artifacts" -type f -newer "$binary" -printf '  %p (%s bytes)\n' >&2 || true
  exit "$((status == 0 ? 1 : status))"
fi
echo "fuzz: clean run of ${seconds}s"
