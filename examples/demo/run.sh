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
echo "--- Initech's X12 850:"
cat "$here"/run/out/supplier/initech/*.edi
"$bin/orderctl" x12 check "$here"/run/out/supplier/initech/*.edi

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
# Initech answers in X12: a 997 accepting our 850 group and an 856 ship notice.
tps_po=$(orderctl show 1003 --json | python3 -c 'import json,sys; o=json.load(sys.stdin); print([p["number"] for p in o["pos"] if p["supplier"]=="initech"][0])')
isa() { printf 'ISA*00*          *00*          *ZZ*INITECH        *ZZ*MYSHOP         *261126*1300*U*00401*%09d*0*P*>~\n' "$1"; }
{
  isa 7001
  printf 'GS*FA*INITECH*MYSHOP*20261126*1300*7001*X*004010~\nST*997*0001~\nAK1*PO*1~\nAK2*850*0001~\nAK5*A~\nAK9*A*1*1*1~\nSE*6*0001~\nGE*1*7001~\nIEA*1*000007001~\n'
  isa 7002
  printf 'GS*SH*INITECH*MYSHOP*20261126*1300*7002*X*004010~\nST*856*0001~\nBSN*00*ASN7002*20261126*1300~\nHL*1**S~\nTD5**2*UPSN~\nDTM*011*20261126~\n'
  printf 'HL*2*1*O~\nPRF*%s~\nHL*3*2*P~\nMAN*CP*1Z999AA10123456784~\nHL*4*3*I~\nLIN**VP*IN-TPS-3~\nSN1**3*EA~\nSE*13*0001~\nGE*1*7002~\nIEA*1*000007002~\n' "$tps_po"
} > "$here/run/spool/inbound/tracking/initech/initech-asn.edi"
orderctl x12 read "$here/run/spool/inbound/tracking/initech/initech-asn.edi"
orderd --once
echo "--- orderd's 997 back to Initech:"
cat "$here"/run/out/supplier/initech/ACK-*.edi

step "Tracking pushed to the channel"
cat "$here"/run/out/channel/shop/*

step "Order history"
orderctl orders

step "One order in full"
orderctl show 1001

step "Sync status"
orderctl sync status
