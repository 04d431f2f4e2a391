#!/usr/bin/env bash
# Instructions per round of scenario B's run path, counted by callgrind: repeatable within a few
# per cent whatever else the machine is doing, unlike timings on a shared machine. For each build
# (HORAE_DIST of bench/run-path-rounds.mjs) and the lean loop, runs 0, 1 and 10 rounds under
# `valgrind --tool=callgrind` with node --single-threaded (so V8's compiler and GC work on the main
# thread is counted too), and prints setup, first round and mean later round, in millions.
# Each count takes one to three minutes.
#
#   npm run build && bash bench/run-path-instructions.sh after=dist [before=/tmp/before/dist] [lean]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
count() { # dist-or-lean rounds -> instructions
  local args=() env=()
  if [ "$1" = lean ]; then args=(--lean); else env=(HORAE_DIST="$(cd "$1" && pwd)/index.js"); fi
  env "${env[@]}" ROUNDS="$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    --smc-check=all-non-file node --single-threaded --hash-seed=1 --random-seed=1 \
    "$here/run-path-rounds.mjs" "${args[@]}" 2>&1 | awk '/Collected/ { print $4 }'
}
printf '%-28s %12s %12s %14s\n' build 'setup (M)' 'round 1 (M)' 'later, each (M)'
for spec in "$@"; do
  name=${spec%%=*}
  target=${spec#*=}
  [ "$spec" = lean ] && target=lean
  zero=$(count "$target" 0)
  one=$(count "$target" 1)
  ten=$(count "$target" 10)
  awk -v n="$name" -v z="$zero" -v o="$one" -v t="$ten" \
    'BEGIN { printf "%-28s %12.0f %12.0f %14.0f\n", n, z / 1e6, (o - z) / 1e6, (t - o) / 9e6 }'
done
