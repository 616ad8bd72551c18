#!/usr/bin/env bash
# Builds the libFuzzer target for the JSON scanner of `nsbuild import` (fuzz/JSONFuzzer.swift) and runs it.
#
#   bash fuzz/json.sh [SECONDS]     # default 60
#
# As fuzz/run.sh does for the spec parser: everything goes under .build-fuzz/json/ (git-ignored), the corpus is
# seeded from fuzz/json-seeds/, and the script exits non-zero when the fuzzer finds anything.
set -euo pipefail

# shellcheck source=fuzz/target.sh
source "$(dirname "${BASH_SOURCE[0]}")/target.sh"
fuzz_target json "${1:-60}"
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name JSONFuzz \
  Sources/Interchange/OCI/JSONSyntax.swift Sources/Interchange/OCI/OCINumberCheck.swift fuzz/JSONFuzzer.swift \
  -o "$binary"

fuzz_seed fuzz/json-seeds
fuzz_run
