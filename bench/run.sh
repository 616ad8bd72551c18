#!/usr/bin/env bash
# Benchmarks `nsbuild run` against bwrap, unshare(1) and a C floor (bench/floor.c) on the same sandbox, then the
# parser and planner at 10 to 100,000 mounts against toml++ and Python's tomllib. One command, as root, from any folder:
#
#   bash bench/run.sh
#
# It installs what it lacks (hyperfine, bubblewrap, GNU time, a C compiler), builds nsbuild as the README's first
# line does, and prints Markdown tables: medians, ratios pair by pair, peak RSS, and whether the targets are met.
# Raw hyperfine JSON and logs stay in the temporary folder it names.
#
# Every benchmark runs pinned to one CPU at nice -20: each launcher is a chain of processes that fork and wait for
# each other, and on a shared 2-core machine a child that lands on the busy core waits for the next tick there,
# which added up to 5 ms to a run at random. Each command's runs are spread over ROUNDS rounds so that a change of
# load hits every command alike; the median is over all rounds. Settings, from the environment:
#   RUNS (200), WARMUP (20)   runs per sandbox command (over all rounds), warm-up runs per round
#   ROUNDS (4)                rounds of hyperfine over the same commands
#   CPU (the last one)        the CPU to pin to; CPU=none runs unpinned and at normal priority
#   NSBUILD=PATH              benchmark this binary instead of building one
#   SKIP_SCALING=1            only the sandboxes
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
runs="${RUNS:-200}"
warmup="${WARMUP:-20}"
rounds="${ROUNDS:-4}"
cpu="${CPU:-$(($(nproc) - 1))}"

if [ "$(id -u)" != 0 ]; then
  echo "bench/run.sh: run it as root: the first sandbox has no user namespace (bench-userns.toml runs rootless)" >&2
  exit 1
fi

# What it needs. util-linux brings unshare(1); Python 3.11+ brings tomllib.
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v bwrap >/dev/null || need+=(bubblewrap)
[ -x /usr/bin/time ] || need+=(time)
command -v taskset >/dev/null || need+=(util-linux)
command -v cc >/dev/null || need+=(gcc libc6-dev)
command -v unshare >/dev/null || need+=(util-linux)
# toml++ (C++) is the baseline for `check` and `plan` at scale.
command -v g++ >/dev/null || need+=(g++)
[ -f /usr/include/toml++/toml.h ] || need+=(libtomlplusplus-dev)
command -v pkg-config >/dev/null || need+=(pkg-config)
python=""
for candidate in /usr/bin/python3 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import tomllib' 2>/dev/null; then
    # The interpreter itself, not a wrapper script (pyenv's shim would add its own start-up to every run).
    python="$("$candidate" -c 'import sys; print(sys.executable)')"
    break
  fi
done
[ -n "$python" ] || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
  [ -n "$python" ] || python=/usr/bin/python3
fi

out="$(mktemp -d -t nsbuild-bench.XXXXXX)"
echo "raw results: $out" >&2

# nsbuild, built as the README's first line builds it; the floor, with -O2.
if [ -n "${NSBUILD:-}" ]; then
  nsbuild="$(realpath "$NSBUILD")"
else
  export PATH="/opt/swift/usr/bin:$PATH"
  echo "building nsbuild (release, static Swift standard library)..." >&2
  (cd "$root" && swift build -c release --static-swift-stdlib) >"$out/build.log" 2>&1 \
    || { tail -30 "$out/build.log" >&2; exit 1; }
  nsbuild="$root/.build/release/nsbuild"
fi
cc -O2 -Wall -o "$out/floor" "$here/floor.c"
floor="$out/floor"
# shellcheck disable=SC2046 # pkg-config's flags are separate words
g++ -O2 -std=c++17 -o "$out/tomlpp" "$here/tomlpp.cpp" $(pkg-config --cflags --libs tomlplusplus)
tomlpp="$out/tomlpp"
spec="$here/specs/bench.toml"
userspec="$here/specs/bench-userns.toml"

if [ "$cpu" = none ]; then
  pin=()
else
  pin=(taskset -c "$cpu" nice -n -20)
fi

# bench TITLE RUNS WARMUP NAME COMMAND [NAME COMMAND...]: hyperfine (no shell between it and the command), in
# $rounds rounds, writes $out/TITLE.rN.json; GNU time's %M (the largest RSS of the process and of every descendant
# it waited for, in KiB) over five runs goes to $out/TITLE.NAME.rss. Every command must exit 0, or the run stops.
bench() {
  local title=$1 n=$2 w=$3 rounds=${bench_rounds:-$rounds}
  shift 3
  local args=() round
  echo "benchmarking $title..." >&2
  while [ $# -gt 0 ]; do
    args+=(-n "$1" "$2")
    : >"$out/$title.$1.rss"
    for _ in 1 2 3 4 5; do
      eval "/usr/bin/time -a -o '$out/$title.$1.rss' -f %M $2" >/dev/null 2>&1 \
        || { echo "failed: $2" >&2; eval "$2" >&2; exit 1; }
    done
    shift 2
  done
  for round in $(seq "$rounds"); do
    "${pin[@]}" hyperfine -N --style basic --warmup "$w" --runs $(((n + rounds - 1) / rounds)) \
      --export-json "$out/$title.r$round.json" "${args[@]}" >>"$out/hyperfine.log" 2>&1 \
      || { tail -30 "$out/hyperfine.log" >&2; exit 1; }
  done
}

echo "# nsbuild benchmarks, $(date -u +%Y-%m-%d), $(nproc) cores, kernel $(uname -r)"
echo "nsbuild $("$nsbuild" --version 2>/dev/null || echo "?"), $(hyperfine --version), $(bwrap --version)," \
  "$(unshare --version | sed 's/unshare from //'), $("$python" --version)"
echo "pinned to CPU $cpu at nice -20 (CPU=none: unpinned); $rounds rounds; load average before:" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"

# The sandbox: mount, uts, ipc, pid and net namespaces, hostname, the host's tree read-only, tmpfs /tmp, fresh
# /proc, then /bin/true. bwrap builds it as a new root (`--ro-bind / /`); --die-with-parent, --new-session and
# --cap-drop ALL match what nsbuild does to its command; `bwrap-all` is the issue's `--unshare-all`, which as root
# adds user and cgroup namespaces. unshare(1) alone makes the namespaces and /proc; `unshare-sh` adds the hostname
# and mounts through a shell and mount(8), which makes only the top mount of / read-only.
ns="--unshare-ipc --unshare-pid --unshare-net --unshare-uts"
same="--die-with-parent --new-session --cap-drop ALL --hostname bench --ro-bind / / --tmpfs /tmp --proc /proc"
mounts="hostname bench && mount -o remount,bind,ro / && mount -t tmpfs tmpfs /tmp && exec /bin/true"
bench root "$runs" "$warmup" \
  nsbuild "'$nsbuild' run '$spec' -- /bin/true" \
  bwrap "bwrap $ns $same /bin/true" \
  bwrap-all "bwrap --unshare-all --hostname bench --ro-bind / / --tmpfs /tmp --proc /proc /bin/true" \
  unshare "unshare --mount --uts --ipc --pid --net --fork --kill-child --mount-proc /bin/true" \
  unshare-sh "unshare --mount --uts --ipc --pid --net --fork --kill-child --mount-proc /bin/sh -c '$mounts'" \
  floor "'$floor' root /bin/true" \
  nsbuild-version "'$nsbuild' --version" \
  true "/bin/true"
"$python" "$here/report.py" table "$out" root nsbuild bwrap bwrap-all unshare unshare-sh floor nsbuild-version true \
  nsbuild/bwrap nsbuild/bwrap-all nsbuild/unshare nsbuild/unshare-sh nsbuild/floor bwrap/floor unshare/floor \
  "nsbuild/bwrap<=0.8" "nsbuild/floor<=1.2" "nsbuild:rss<=4"

# The same with user and time namespaces (CLOCK_MONOTONIC an hour ahead). bwrap has no time namespace: its row
# leaves it out.
bench userns "$runs" "$warmup" \
  nsbuild "'$nsbuild' run '$userspec' -- /bin/true" \
  unshare "unshare --user --map-root-user --time --monotonic 3600 --mount --uts --ipc --pid --net --fork --kill-child --mount-proc /bin/true" \
  floor "'$floor' user /bin/true" \
  bwrap-no-time "bwrap --unshare-user --uid 0 --gid 0 $ns $same /bin/true"
"$python" "$here/report.py" table "$out" userns nsbuild unshare floor bwrap-no-time \
  nsbuild/unshare nsbuild/floor unshare/floor nsbuild/bwrap-no-time "nsbuild/bwrap-no-time<=0.8" "nsbuild/floor<=1.2" \
  "nsbuild:rss<=4"

[ -n "${SKIP_SCALING:-}" ] && exit 0

# Parser and planner: `check` and `plan` at 10 to 100,000 tmpfs mounts, against toml++ reading the same file (a
# whole C++ process, as nsbuild's is) and tomllib, in process (parse only, median of 20) and as a whole python3
# process. Two rounds, and few runs from 10,000 mounts, where one run can take seconds.
bench_rounds=2
sizes=(10 100 1000 10000 100000)
for n in "${sizes[@]}"; do
  file="$out/mounts-$n.toml"
  "$python" "$here/report.py" gen "$n" "$file"
  if [ "$n" -ge 10000 ]; then r=6 w=1; else r=60 w=3; fi
  bench "scaling-$n" "$r" "$w" \
    check "'$nsbuild' check '$file'" \
    plan "'$nsbuild' plan '$file'" \
    tomlpp "'$tomlpp' '$file'" \
    python3-tomllib "'$python' -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], \"rb\"))' '$file'"
  "${pin[@]}" "$python" "$here/report.py" parse "$file" 20 >"$out/tomllib-$n.txt"
done
"$python" "$here/report.py" scaling "$out" "${sizes[@]}"

# The parser and planner alone, in one process (bench/planner, google/swift-benchmark): no start-up in the way, so
# the time per mount shows whether either has stopped growing linearly. bench/planner is a package of its own (it
# depends on nsbuild's by path), so nsbuild itself never resolves swift-benchmark; it builds in its own .build.
if [ -z "${NSBUILD:-}" ]; then
  echo "benchmarking decode and plan in process..." >&2
  (cd "$here/planner" && swift build -c release --product PlannerBenchmark) >>"$out/build.log" 2>&1 \
    || { tail -30 "$out/build.log" >&2; exit 1; }
  "${pin[@]}" "$here/planner/.build/release/PlannerBenchmark" --format json --quiet >"$out/planner.json" \
    2>>"$out/hyperfine.log"
  echo
  "$python" "$here/report.py" planner "$out/planner.json"
fi
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
