#!/usr/bin/env bash
# The demo walkthrough: what an operator does on a day with orderd.
# Usage: examples/demo/run.sh [BIN_DIR]   (default: build/bin)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=$(cd "${1:-$here/../../build/bin}" && pwd)
cfg="$here/orderd.yaml"
orderd() { "$bin/orderd" -c "$cfg" "$@"; }
orderctl() { "$bin/orderctl" -c "$cfg" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

rm -rf "$here/run"
step "Check the configuration"
orderd --check-config

step "A Shopify export arrives in the spool; one cycle imports it"
mkdir -p "$here/run/spool/inbound/orders/shop"
cp "$here/orders_export.csv" "$here/run/spool/inbound/orders/shop/orders_export.csv"
orderd --once

step "Order history: #1002 waits in needs_resolve with the reason"
orderctl orders

step "The operator fills in the phone ACME needs"
orderctl resolve 1002 --set ship_to.phone=217-555-0102

step "Process every ready order: one PO per supplier"
orderctl process --all-ready
ls -1 "$here"/run/out/supplier/*/
echo "--- ACME's PO file:"
cat "$here"/run/out/supplier/acme/*.csv

step "The suppliers answer with tracking files"
# ACME ships everything it got; Globex ships #1001's skates only (a partial shipment of #1001).
acme_po=$(ls "$here"/run/out/supplier/acme/*.csv | head -1)
{
  echo "PO Number,SKU,Qty Shipped,Carrier,Tracking"
  tail -n +2 "$acme_po" | tr -d '\r' | awk -F, '{printf "%s,%s,%s,UPS,1Z999AA1%08d\n", $1, $3, $4, NR}'
} > "$here/run/spool/inbound/tracking/acme/acme-tracking.csv"
skates_po=$(orderctl show 1001 --json | python3 -c 'import json,sys; o=json.load(sys.stdin); print([p["number"] for p in o["pos"] if p["supplier"]=="globex"][0])')
printf 'PO Number,SKU,Quantity,Carrier,Tracking Number\n%s,GX-SKATE,1,USPS,9400111899223100000001\n' "$skates_po" \
  > "$here/run/spool/inbound/tracking/globex/globex-tracking.csv"
orderd --once

step "Tracking pushed to the channel"
cat "$here"/run/out/channel/shop/*

step "Order history"
orderctl orders

step "One order in full"
orderctl show 1001

step "Sync status"
orderctl sync status
