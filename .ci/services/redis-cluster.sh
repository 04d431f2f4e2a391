# A three-master Redis Cluster for the RedisJobStore cluster tests: redis-server processes on
# 127.0.0.1:7000-7002, no replicas, nothing kept on disk but each node's cluster config.
# Sourced by .ci/run (set -euo pipefail there); also runs on its own:
# `source .ci/services/redis-cluster.sh`. Idempotent: a cluster whose three nodes answer
# `cluster info` with `cluster_state:ok` is used as it is. Exports HORAE_REDIS_CLUSTER_URL.
# The single Redis on 6379 is not touched.

horae_rc_ports="7000 7001 7002"
horae_rc_dir=${HORAE_REDIS_CLUSTER_DIR:-/tmp/horae-redis-cluster}

horae_rc_up() {
  [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
}

# Every node answers, and each sees the cluster ok (a node just gone is noticed by the others only
# after cluster-node-timeout).
horae_rc_ok() {
  local port
  for port in $horae_rc_ports; do
    horae_rc_up "$port" || return 1
    redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "redis-server is not installed; installing redis-server and redis-tools from Debian"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools
fi

if horae_rc_ok; then
  echo "Redis Cluster is already up on 127.0.0.1:7000-7002"
else
  for horae_rc_port in $horae_rc_ports; do
    horae_rc_up "$horae_rc_port" && continue
    # A node that is down starts empty: a stale cluster config would only disagree with the others.
    rm -rf "${horae_rc_dir:?}/$horae_rc_port"
    mkdir -p "$horae_rc_dir/$horae_rc_port"
    echo "starting a Redis Cluster node on 127.0.0.1:$horae_rc_port (log in $horae_rc_dir/$horae_rc_port/redis.log)"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$horae_rc_port" \
      --cluster-enabled yes --cluster-config-file "$horae_rc_dir/$horae_rc_port/nodes.conf" \
      --cluster-node-timeout 5000 --dir "$horae_rc_dir/$horae_rc_port" --save "" --appendonly no \
      --logfile "$horae_rc_dir/$horae_rc_port/redis.log" || true
  done
  for _ in $(seq 1 30); do
    horae_rc_up 7000 && horae_rc_up 7001 && horae_rc_up 7002 && break
    sleep 1
  done
  # Nodes that already belong to a cluster in trouble are reset (they hold test data only), so
  # `--cluster create` always starts from empty nodes.
  if ! horae_rc_ok; then
    for horae_rc_port in $horae_rc_ports; do
      if [ "$(redis-cli -h 127.0.0.1 -p "$horae_rc_port" cluster info 2>/dev/null |
        grep '^cluster_known_nodes:' | tr -d '\r')" != "cluster_known_nodes:1" ] ||
        [ "$(redis-cli -h 127.0.0.1 -p "$horae_rc_port" dbsize 2>/dev/null)" != 0 ]; then
        redis-cli -h 127.0.0.1 -p "$horae_rc_port" flushall >/dev/null 2>&1 || true
        redis-cli -h 127.0.0.1 -p "$horae_rc_port" cluster reset hard >/dev/null 2>&1 || true
      fi
    done
    echo "creating the cluster of 127.0.0.1:7000-7002"
    redis-cli --cluster create 127.0.0.1:7000 127.0.0.1:7001 127.0.0.1:7002 \
      --cluster-replicas 0 --cluster-yes >"$horae_rc_dir/create.log" 2>&1 || true
  fi
  for _ in $(seq 1 60); do
    horae_rc_ok && break
    sleep 1
  done
  if ! horae_rc_ok; then
    echo "FATAL: Redis Cluster on 127.0.0.1:7000-7002 has no cluster_state:ok after 60 s" >&2
    tail -n 20 "$horae_rc_dir/create.log" "$horae_rc_dir"/700?/redis.log >&2 || true
    exit 1
  fi
  echo "Redis Cluster is up on 127.0.0.1:7000-7002"
fi

export HORAE_REDIS_CLUSTER_URL=${HORAE_REDIS_CLUSTER_URL:-redis+cluster://127.0.0.1:7000/?nodes=127.0.0.1:7001,127.0.0.1:7002}
