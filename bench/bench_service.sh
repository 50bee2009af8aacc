#!/usr/bin/env bash
# The service at rest and at work: RSS and CPU while idle with 10 channels and
# 50 suppliers, and the latency from a file renamed into inbound/ to its PO
# delivered (inotify pickup, import, auto-processing, delivery).
# Usage: bench/bench_service.sh [BIN_DIR]
set -euo pipefail
bin=$(cd "${1:-build/bin}" && pwd)
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
cfg=$dir/orderd.yaml
{
  echo "state_dir: ./state"
  echo "spool_dir: ./spool"
  echo "channels:"
  for c in $(seq 0 9); do
    echo "  ch$c: {format: shopify-csv, auto_process: true, tracking_push: {transport: {type: dir, path: ./out/ch$c}}}"
  done
  echo "suppliers:"
  for s in $(seq 0 49); do
    echo "  sup$s: {skus: [\"S$s-*\"], transport: {type: dir, path: ./out/sup$s}}"
  done
} >"$cfg"
"$bin/orderd" -c "$cfg" 2>"$dir/log" &
pid=$!
for _ in $(seq 100); do [ -S "$dir/state/orderd.sock" ] && break; sleep 0.05; done
sleep 2  # the start-up syncs are done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
t0=$(ticks)
sleep 10
t1=$(ticks)
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
hz=$(getconf CLK_TCK)
echo "service idle (10 channels, 50 suppliers): RSS $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MB, CPU $((t1 - t0)) ticks (1/$hz s) in 10 s"

header='Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,Lineitem requires shipping,Billing Name,Shipping Name,Shipping Address1,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone'
lat=()
for i in $(seq 1 20); do
  f=$dir/spool/inbound/orders/ch3/.o$i.tmp
  printf '%s\r\n#%d,a@b.c,2026-11-20,1,Item,9.99,S7-%d,true,Ada,Ada,1 Way,Boston,02134,MA,US,555\r\n' \
    "$header" "$((9000 + i))" "$i" >"$f"
  start=$(date +%s%N)
  mv "$f" "$dir/spool/inbound/orders/ch3/o$i.csv"
  until [ "$(ls "$dir/out/sup7" 2>/dev/null | wc -l)" -ge "$i" ]; do sleep 0.002; done
  lat+=($((($(date +%s%N) - start) / 1000000)))
  sleep 0.3
done
sorted=($(printf '%s\n' "${lat[@]}" | sort -n))
echo "pickup: file renamed into inbound/ -> PO delivered, 20 drops: median ${sorted[10]} ms, max ${sorted[19]} ms"
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo "service peak RSS after the drops: $((rss / 1024)).$(((rss % 1024) * 10 / 1024)) MB"
