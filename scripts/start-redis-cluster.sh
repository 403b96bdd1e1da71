#!/usr/bin/env bash
# Starts a throw-away Redis Cluster (Debian's `redis-server`) on 127.0.0.1: MASTERS masters
# (default 3), each with REPLICAS replicas (default 0), on free ports, without persistence,
# its files in a temporary folder. REDIS_CLUSTER_NODE_TIMEOUT_MS (default 2000) is how long a
# master may be unreachable before its replica takes over. Waits until every node sees all
# 16384 slots served, and prints `export REDIS_CLUSTER_HOME=... REDIS_CLUSTER_URL=redis+cluster://...`
# on its last line, so a caller can `eval "$(... | tail -n 1)"`.
# Usage: start-redis-cluster.sh [MASTERS] [REPLICAS]
# Stop it with `kill $(cat "$REDIS_CLUSTER_HOME"/*.pid)`; each node's pid is in redis-PORT.pid.
set -euo pipefail

command -v redis-server >/dev/null || { echo "redis-server is not installed (apt-get install -y redis-server)" >&2; exit 1; }

masters="${1:-3}"
replicas="${2:-0}"
node_timeout="${REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}"
count=$((masters * (1 + replicas)))

# Two ports per node (clients, cluster bus), all held open together so that none repeats.
read -r -a ports <<<"$(node -e '
  const net = require("net");
  const n = Number(process.argv[1]);
  const servers = Array.from({ length: n }, () => net.createServer());
  Promise.all(servers.map((s) => new Promise((r) => s.listen(0, "127.0.0.1", () => r(s.address().port)))))
    .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });
' $((count * 2)))"

home="$(mktemp -d "${TMPDIR:-/tmp}/polyglot-redis-cluster-XXXXXX")"
nodes=()
for i in $(seq 0 $((count - 1))); do
  port="${ports[$((i * 2))]}"
  bus="${ports[$((i * 2 + 1))]}"
  redis-server --port "$port" --cluster-port "$bus" --bind 127.0.0.1 \
    --cluster-enabled yes --cluster-config-file "nodes-${port}.conf" --cluster-node-timeout "$node_timeout" \
    --save '' --appendonly no --dir "$home" \
    --daemonize yes --pidfile "$home/redis-${port}.pid" --logfile "$home/redis-${port}.log"
  nodes+=("127.0.0.1:${port}")
done

for node in "${nodes[@]}"; do
  for _ in $(seq 1 50); do redis-cli -p "${node##*:}" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >"$home/create.log" 2>&1 || {
  echo "redis-cli --cluster create failed:" >&2
  cat "$home/create.log" >&2
  exit 1
}

# Every node must see the whole cluster before a client connects: a client that asks a node
# still joining gets a partial slot map.
for node in "${nodes[@]}"; do
  for attempt in $(seq 1 100); do
    info="$(redis-cli -p "${node##*:}" cluster info 2>/dev/null || true)"
    if grep -q 'cluster_state:ok' <<<"$info" && grep -q 'cluster_slots_ok:16384' <<<"$info" &&
      grep -q "cluster_known_nodes:${count}" <<<"$info"; then
      break
    fi
    if [ "$attempt" = 100 ]; then
      echo "the cluster did not settle within 10 s; ${node} says:" >&2
      echo "$info" >&2
      exit 1
    fi
    sleep 0.1
  done
done

# A replica can take over only once it has synchronised with its master.
for node in "${nodes[@]}"; do
  for attempt in $(seq 1 100); do
    replication="$(redis-cli -p "${node##*:}" info replication 2>/dev/null || true)"
    if ! grep -q 'role:slave' <<<"$replication" || grep -q 'master_link_status:up' <<<"$replication"; then
      break
    fi
    if [ "$attempt" = 100 ]; then
      echo "the replica ${node} did not synchronise within 10 s" >&2
      exit 1
    fi
    sleep 0.1
  done
done

url="redis+cluster://$(IFS=,; echo "${nodes[*]}")"
echo "Redis Cluster $(redis-server --version | awk '{print $3}' | sed s/^v=//): ${masters} masters, ${replicas} replicas each, on ${nodes[*]} (REDIS_CLUSTER_HOME=${home})"
echo "export REDIS_CLUSTER_HOME=${home} REDIS_CLUSTER_URL=${url}"
