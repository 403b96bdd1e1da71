#!/usr/bin/env bash
# Starts a throw-away InfluxDB 1.x (Debian's `influxdb` package) on 127.0.0.1: data, meta and
# WAL in a temporary folder, the HTTP API on a free port, no usage reporting, no _internal
# monitoring database, and the series limits raised (past the defaults of 100,000 values per
# tag and 1,000,000 series, writes fail with "partial write"). Waits for /ping (204) and
# prints `export INFLUX_URL=...` on its last line, so a caller can `eval "$(... | tail -n 1)"`.
# Its data folder and pid are in INFLUX_HOME (printed too); stop it with `kill "$(cat $INFLUX_HOME/influxd.pid)"`.
set -euo pipefail

command -v influxd >/dev/null || { echo "influxd is not installed (apt-get install -y influxdb)" >&2; exit 1; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

home="$(mktemp -d "${TMPDIR:-/tmp}/polyglot-influx-XXXXXX")"
http_port="$(free_port)"
rpc_port="$(free_port)"
while [ "$rpc_port" = "$http_port" ]; do rpc_port="$(free_port)"; done

cat >"$home/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:${rpc_port}"

[meta]
  dir = "${home}/meta"

[data]
  dir = "${home}/data"
  wal-dir = "${home}/wal"
  query-log-enabled = false
  max-values-per-tag = 0
  max-series-per-database = 0

[monitor]
  store-enabled = false

[http]
  bind-address = "127.0.0.1:${http_port}"
  log-enabled = false

[logging]
  level = "warn"
CONF

nohup influxd run -config "$home/influxdb.conf" >"$home/influxd.log" 2>&1 &
echo $! >"$home/influxd.pid"

for _ in $(seq 1 100); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${http_port}/ping" || true)" = "204" ]; then
    echo "InfluxDB $(influxd version | head -n 1) on 127.0.0.1:${http_port} (INFLUX_HOME=${home})"
    echo "export INFLUX_HOME=${home} INFLUX_URL=http://127.0.0.1:${http_port}/polyglot"
    exit 0
  fi
  sleep 0.1
done
echo "InfluxDB did not answer /ping within 10 s; its log:" >&2
cat "$home/influxd.log" >&2
exit 1
