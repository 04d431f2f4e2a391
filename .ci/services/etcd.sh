# etcd for the EtcdJobStore tests: one member on 127.0.0.1:2379 (client) and 127.0.0.1:2380 (peer).
# Sourced by .ci/run (set -euo pipefail there); also runs on its own: `source .ci/services/etcd.sh`.
# Idempotent: a server already answering on 2379 is used as it is. Exports HORAE_ETCD_URL.

horae_etcd_healthy() {
  ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:2379 --dial-timeout=2s --command-timeout=2s \
    endpoint health >/dev/null 2>&1
}

if ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; then
  echo "etcd is not installed; installing etcd-server and etcd-client from Debian"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends etcd-server etcd-client
fi

if horae_etcd_healthy; then
  echo "etcd is already up on 127.0.0.1:2379"
else
  horae_etcd_dir=${HORAE_ETCD_DATA_DIR:-/tmp/horae-etcd}
  mkdir -p "$horae_etcd_dir"
  echo "starting etcd on 127.0.0.1:2379 (data in $horae_etcd_dir/data, log in $horae_etcd_dir/etcd.log)"
  # Hourly compaction keeps the revision history of a long-lived test server bounded.
  setsid nohup etcd --name horae-ci --data-dir "$horae_etcd_dir/data" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster horae-ci=http://127.0.0.1:2380 --initial-cluster-state new \
    --auto-compaction-mode periodic --auto-compaction-retention 1h \
    >>"$horae_etcd_dir/etcd.log" 2>&1 </dev/null &
  disown || true
  for _ in $(seq 1 60); do
    horae_etcd_healthy && break
    sleep 1
  done
  if ! horae_etcd_healthy; then
    echo "FATAL: etcd is not answering on 127.0.0.1:2379 after 60 s; see $horae_etcd_dir/etcd.log" >&2
    tail -n 20 "$horae_etcd_dir/etcd.log" >&2 || true
    exit 1
  fi
  echo "etcd is up on 127.0.0.1:2379"
fi

export HORAE_ETCD_URL=${HORAE_ETCD_URL:-etcd://127.0.0.1:2379/horae-test}
