# Shared by fuzz/json.sh and fuzz/yaml.sh (sourced, not run): the folders of one libFuzzer target, its seeding and
# one bounded run that fails on any finding, as fuzz/run.sh does for the spec parser.
#
#   fuzz_target NAME SECONDS    cd to the repository, check SECONDS, set build, binary, corpus and artifacts
#   fuzz_seed FOLDER            copy FOLDER's files into the corpus once each (named by their checksum)
#   fuzz_run                    run $binary for $seconds; exit non-zero when it finds anything

fuzz_target() {
  seconds="$2"
  case "$seconds" in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
  esac
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  [ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
  build=".build-fuzz/$1"
  binary="$build/$1-fuzzer"
  corpus="$build/corpus"
  artifacts="$build/artifacts"
  mkdir -p "$build" "$corpus" "$artifacts"
  echo "fuzz: building $binary"
}

fuzz_seed() {
  local file name
  for file in "$1"/*; do
    name="$(cksum < "$file" | tr ' ' '-')"
    [ -e "$corpus/seed-$name" ] || cp "$file" "$corpus/seed-$name"
  done
}

fuzz_run() {
  export SWIFT_BACKTRACE=enable=no
  local before after status=0
  before="$(find "$artifacts" -type f | wc -l)"
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
}
