#!/usr/bin/env bash
# Builds the libFuzzer target for the YAML reader and writer of the Kubernetes export and import
# (fuzz/YAMLFuzzer.swift with Sources/YAML, over the system libyaml) and runs it.
#
#   bash fuzz/yaml.sh [SECONDS]     # default 60
#
# As fuzz/run.sh does for the spec parser: everything goes under .build-fuzz/yaml/ (git-ignored), the corpus is
# seeded from fuzz/yaml-seeds/, and the script exits non-zero when the fuzzer finds anything.
set -euo pipefail

# shellcheck source=fuzz/target.sh
source "$(dirname "${BASH_SOURCE[0]}")/target.sh"
fuzz_target yaml "${1:-60}"
sources=()
while IFS= read -r -d '' file; do sources+=("$file"); done < <(find Sources/YAML -name '*.swift' -print0 | sort -z)
# Sources/CYAML holds the module map of libyaml's header (libyaml-dev).
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name YAMLFuzz -I Sources/CYAML \
  "${sources[@]}" fuzz/YAMLFuzzer.swift -lyaml -o "$binary"

fuzz_seed fuzz/yaml-seeds
fuzz_run
