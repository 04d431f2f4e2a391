#!/bin/bash
# Two builds of Horae (and the lean-loop reference) side by side in one run, interleaved round by
# round, each measurement in a process of its own (bench/scheduler-child.mjs). One JSON line each.
#   bash bench/compare-builds.sh <oneshot|interval> <runs> before=/path/to/old/dist after=dist [lean=-]
# A label `lean` measures the lean-loop reference instead of a build. Build the old one in a clone:
#   git clone . /tmp/before && cd /tmp/before && git checkout <commit> && npm ci && npm run build
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=$1; runs=$2; shift 2
for r in $(seq 1 $runs); do
  for spec in "$@"; do
    label=${spec%%=*}; dist=${spec#*=}
    if [ "$label" = lean ]; then lib=lean-loop; d="$here/../dist/index.js"; else lib=horae; d=$(cd "$dist" && pwd)/index.js; fi
    out=$(HORAE_DIST=$d node "$here/scheduler-child.mjs" $scenario $lib 2>&1 | grep RESULT | sed 's/RESULT //')
    echo "$r $label $(echo "$out" | node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(JSON.stringify({p50:+r.lateness.p50.toFixed(1),p99:+r.lateness.p99.toFixed(1),cpu:r.cpuMs,rss:+r.peakRssMiB.toFixed(0),add:+r.addMs.toFixed(0),obs:r.observed??r.fired}))')"
  done
done
