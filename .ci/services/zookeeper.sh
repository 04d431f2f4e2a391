# ZooKeeper for the ZooKeeper job store tests. Sourced by .ci/run (so `exit` ends the CI run): installs
# Debian's package when it is missing, starts a standalone server on 127.0.0.1 unless one already
# answers there, waits until it does, and exports HORAE_ZOOKEEPER_URL. Run it by hand with
# `bash .ci/services/zookeeper.sh`; the server keeps running in the background (data under /tmp).

zk_port=${HORAE_ZOOKEEPER_PORT:-2181}
zk_home=${HORAE_ZOOKEEPER_DIR:-/tmp/horae-zookeeper}

# True when a ZooKeeper server on the port answers the `ruok` four-letter word with `imok`.
zk_answers() {
  local reply
  reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$zk_port" && printf ruok >&3 && timeout 2 cat <&3) 2>/dev/null) || true
  [ "$reply" = imok ]
}

if ! zk_answers; then
  if [ ! -e /usr/share/java/zookeeper.jar ]; then
    echo "ZooKeeper is not installed; installing Debian's zookeeper package"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends zookeeper
  fi
  mkdir -p "$zk_home/data"
  cat >"$zk_home/zoo.cfg" <<CFG
tickTime=2000
dataDir=$zk_home/data
clientPortAddress=127.0.0.1
clientPort=$zk_port
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
autopurge.snapRetainCount=3
autopurge.purgeInterval=1
CFG
  echo "starting ZooKeeper on 127.0.0.1:$zk_port (data and log in $zk_home)"
  # setsid: the server outlives this shell and is not in the process group of whoever ran it.
  setsid java -Xmx256m -XX:+UseSerialGC -Dzookeeper.log.dir="$zk_home" \
    -cp "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$zk_home/zoo.cfg" \
    >"$zk_home/server.log" 2>&1 </dev/null &
  echo $! >"$zk_home/server.pid"
fi

# Up to 60 s, and no longer once the server we started has exited (a port taken by something else).
zk_deadline=$((SECONDS + 60))
until zk_answers; do
  zk_pid=$(cat "$zk_home/server.pid" 2>/dev/null || true)
  if [ "$SECONDS" -ge "$zk_deadline" ] || { [ -n "$zk_pid" ] && ! kill -0 "$zk_pid" 2>/dev/null; }; then
    echo "FATAL: ZooKeeper is not answering on 127.0.0.1:$zk_port (see $zk_home/server.log)" >&2
    exit 1
  fi
  sleep 1
done
echo "ZooKeeper is up on 127.0.0.1:$zk_port"
export HORAE_ZOOKEEPER_URL=${HORAE_ZOOKEEPER_URL:-zookeeper://127.0.0.1:$zk_port/horae-test}
