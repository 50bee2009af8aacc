#!/usr/bin/env python3
"""make soak: the service for SOAK_SECONDS (default 600) under continuous work.

Orders are dropped every second (some lacking the phone their supplier
needs, some for a supplier whose email delivery always fails); suppliers
take each PO file the moment they see it and answer with tracking for its
lines; the channel takes each tracking file; orderctl resolves and processes
orders and takes backups from the shell; the service is killed with SIGKILL
every SOAK_KILL_EVERY seconds (default 100) and started again. At the end
the work drains and it checks: every order imported once, every PO line
delivered once, every shipment pushed once, and the service's memory flat.

Usage: bench/soak.py BIN_DIR   (not part of CI; prints its figures)
"""
import csv
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/bin")
SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
KILL_EVERY = int(os.environ.get("SOAK_KILL_EVERY", "100"))
HEADER = ("Name,Email,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,"
          "Lineitem requires shipping,Billing Name,Shipping Name,Shipping Address1,Shipping City,"
          "Shipping Zip,Shipping Province,Shipping Country,Shipping Phone\r\n")


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def drop(folder, name, text):
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, "." + name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(folder, name))


def main():
    root = tempfile.mkdtemp(prefix="orderd-soak-")
    config = os.path.join(root, "orderd.yaml")
    with open(config, "w") as f:
        f.write(f"""state_dir: ./state
spool_dir: ./spool
schedule: {{order_sync: 20s, tracking_sync: 20s}}
channels:
  shop:
    format: shopify-csv
    auto_process: true
    tracking_push:
      transport: {{type: dir, path: ./out/channel/shop, backoff: 1}}
suppliers:
  acme:
    skus: ["ACME-*"]
    require: [ship_to.phone]
    transport: {{type: dir, path: ./out/supplier/acme, backoff: 1}}
    tracking:
      columns: {{po_number: "PO Number", sku: "SKU", quantity: "Qty", carrier: "Carrier", tracking_number: "Tracking"}}
  globex:
    skus: ["GX-*"]
    po: {{format: xml, batch: order}}
    transport: {{type: dir, path: ./out/supplier/globex, backoff: 1}}
    tracking:
      columns: {{po_number: "PO Number", sku: "SKU", quantity: "Qty", carrier: "Carrier", tracking_number: "Tracking"}}
  broken:
    skus: ["BRK-*"]
    transport: {{type: email, smtp_url: "smtp://127.0.0.1:{closed_port()}", from: shop@example.com, to: [po@broken.example], attempts: 100, backoff: 2}}
""")
    env = dict(os.environ)
    log = open(os.path.join(root, "orderd.log"), "ab")

    def start():
        return subprocess.Popen([os.path.join(BIN, "orderd"), "-c", config], cwd=root,
                                stdout=log, stderr=log, env=env)

    def ctl(*args):
        return subprocess.run([os.path.join(BIN, "orderctl"), "-c", config, *args], cwd=root,
                              capture_output=True, text=True)

    rng = random.Random(7)
    dropped = {}  # order id -> [(sku, supplier)]
    taken_po = {}  # (order id, sku) -> times a supplier took it
    pushed = {}  # tracking number -> times the channel got it
    shipped = set()  # (po, sku) already answered with tracking
    needs_phone = []
    kills = ctl_calls = ctl_failures = 0
    samples = []
    service = start()
    time.sleep(1)
    if service.poll() is not None:
        print("soak: the service did not start:", open(os.path.join(root, "orderd.log")).read())
        return 1
    began = time.time()
    next_kill = began + KILL_EVERY
    n = 0
    out_dir = os.path.join(root, "out")
    taken_dir = os.path.join(root, "taken")
    os.makedirs(taken_dir, exist_ok=True)
    last_side = 0.0

    def suppliers_and_channel():
        # Each party takes every complete file the moment it looks.
        rows = {"acme": [], "globex": []}
        for party in ("acme", "globex"):
            d = os.path.join(out_dir, "supplier", party)
            if not os.path.isdir(d):
                continue
            for name in sorted(os.listdir(d)):
                if name.startswith("."):
                    continue
                src = os.path.join(d, name)
                text = open(src, encoding="utf-8").read()
                shutil.move(src, os.path.join(taken_dir, f"{party}-{time.time_ns()}-{name}"))
                if party == "acme":
                    for r in csv.DictReader(io.StringIO(text)):
                        taken_po[(r["Order ID"], r["SKU"])] = taken_po.get((r["Order ID"], r["SKU"]), 0) + 1
                        rows["acme"].append((r["PO Number"], r["SKU"], r["Quantity"]))
                else:
                    for po in re.findall(r"<PurchaseOrder>.*?</PurchaseOrder>", text, re.S):
                        number = re.search(r"<PONumber>(.*?)</PONumber>", po).group(1)
                        order = re.search(r"<OrderID>(.*?)</OrderID>", po).group(1)
                        for sku, qty in re.findall(r"<SKU>(.*?)</SKU>\s*<Quantity>(.*?)</Quantity>", po):
                            taken_po[(order, sku)] = taken_po.get((order, sku), 0) + 1
                            rows["globex"].append((number, sku, qty))
        for party, lines in rows.items():
            fresh = [(p, s, q) for p, s, q in lines if (p, s) not in shipped]
            if not fresh:
                continue
            text = "PO Number,SKU,Qty,Carrier,Tracking\n"
            for p, s, q in fresh:
                shipped.add((p, s))
                text += f"{p},{s},{q},UPS,T-{p}-{s}\n"
            drop(os.path.join(root, "spool/inbound/tracking", party), f"t-{time.time_ns()}.csv", text)
        d = os.path.join(out_dir, "channel", "shop")
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                if name.startswith("."):
                    continue
                src = os.path.join(d, name)
                for r in csv.DictReader(io.StringIO(open(src).read())):
                    pushed[r["Tracking Number"]] = pushed.get(r["Tracking Number"], 0) + 1
                shutil.move(src, os.path.join(taken_dir, f"channel-{time.time_ns()}-{name}"))

    while time.time() - began < SECONDS:
        # Ten orders a second.
        text = HEADER
        for _ in range(10):
            n += 1
            oid = f"#S{n:06d}"
            lines = []
            for k in range(rng.randint(1, 2)):
                pick = rng.random()
                supplier = "broken" if pick < 0.05 else ("globex" if pick < 0.5 else "acme")
                sku = {"acme": "ACME", "globex": "GX", "broken": "BRK"}[supplier] + f"-{n}-{k}"
                lines.append((sku, supplier))
            phone = "" if rng.random() < 0.05 else "617-555-0101"
            if not phone and any(s == "acme" for _, s in lines):
                needs_phone.append(oid)
            for sku, _ in lines:
                text += (f"{oid},b@example.com,2026-11-20,1,Item,9.99,{sku},true,Ada,Ada,"
                         f"\"1 Way\",Boston,02134,MA,US,{phone}\r\n")
            dropped[oid] = lines
        drop(os.path.join(root, "spool/inbound/orders/shop"), f"e-{n:06d}.csv", text)
        now = time.time()
        if now - last_side >= 2:
            last_side = now
            suppliers_and_channel()
            # The operator from the shell: fill in phones, process, back up.
            for oid in needs_phone[:3]:
                r = ctl("resolve", oid, "--set", "ship_to.phone=617-555-0199")
                ctl_calls += 1
                if r.returncode == 0:
                    needs_phone.remove(oid)
                    r = ctl("process", oid)
                    ctl_calls += 1
                if r.returncode not in (0, 1):
                    ctl_failures += 1
            if rng.random() < 0.05:
                ctl_calls += 1
                if ctl("backup", os.path.join(root, f"backup-{n}.db")).returncode != 0:
                    ctl_failures += 1
            ctl_calls += 1
            if ctl("sync", "status", "--json").returncode != 0:
                ctl_failures += 1
            samples.append((kills, rss_kb(service.pid)))
        if now >= next_kill:
            service.send_signal(signal.SIGKILL)
            service.wait()
            kills += 1
            service = start()
            next_kill = now + KILL_EVERY
        time.sleep(max(0.0, 1.0 - (time.time() - now)))

    # Drain: everything but the broken supplier's POs goes out and comes back.
    for oid in list(needs_phone):
        ctl("resolve", oid, "--set", "ship_to.phone=617-555-0199")
        ctl("process", oid)
    deadline = time.time() + 120
    expected_lines = {(o, s) for o, ls in dropped.items() for s, sup in ls if sup != "broken"}
    while time.time() < deadline:
        suppliers_and_channel()
        if expected_lines <= set(taken_po) and len(pushed) >= len(expected_lines):
            break
        ctl("sync", "all")
        time.sleep(2)
    suppliers_and_channel()
    service.send_signal(signal.SIGTERM)
    service.wait(timeout=30)

    orders = json.loads(ctl("orders", "--json", "--limit", "100000000").stdout)
    ids = [o["id"] for o in orders]
    problems = []
    if sorted(ids) != sorted(dropped):
        problems.append(f"orders: {len(ids)} stored ({len(set(ids))} distinct) for {len(dropped)} dropped")
    doubled = [k for k, v in taken_po.items() if v > 1]
    lost = [k for k in expected_lines if k not in taken_po]
    if doubled:
        problems.append(f"{len(doubled)} PO lines delivered more than once, e.g. {doubled[:3]}")
    if lost:
        problems.append(f"{len(lost)} PO lines never delivered, e.g. {lost[:3]}")
    broken = [k for k in taken_po if k[1].startswith("BRK-")]
    if broken:
        problems.append(f"{len(broken)} lines of the failing supplier arrived somewhere: {broken[:3]}")
    push_doubled = [t for t, v in pushed.items() if v > 1]
    push_lost = [f"T-{p}-{s}" for p, s in shipped if f"T-{p}-{s}" not in pushed]
    if push_doubled:
        problems.append(f"{len(push_doubled)} shipments pushed more than once, e.g. {push_doubled[:3]}")
    if push_lost:
        problems.append(f"{len(push_lost)} shipments never pushed, e.g. {push_lost[:3]}")
    statuses = {}
    for o in orders:
        statuses[o["status"]] = statuses.get(o["status"], 0) + 1
    # Memory per lifetime of the service (each SIGKILL starts a new one). The
    # page cache is capped at 32 MB (cache_size), so a lifetime may grow by
    # that much as the database grows; more than that, or past 64 MB, is a leak.
    lifetimes = {}
    for life, kb in samples:
        if kb:
            lifetimes[life] = max(lifetimes.get(life, 0), kb)
    peaks = [lifetimes[k] / 1024 for k in sorted(lifetimes)]
    if peaks and (max(peaks) > 64 or peaks[-1] > peaks[0] + 32):
        problems.append(f"service memory grew: peak RSS per lifetime {peaks} MB")
    print(f"soak: {SECONDS} s, {len(dropped)} orders dropped in {n // 10} files, "
          f"{sum(len(v) for v in dropped.values())} lines ({len(expected_lines)} to working suppliers)")
    print(f"soak: {kills} SIGKILLs of the service, {ctl_calls} orderctl calls ({ctl_failures} failed unexpectedly)")
    print(f"soak: {len(taken_po)} PO lines taken by suppliers, {len(doubled)} twice, {len(lost)} never")
    print(f"soak: {len(pushed)} shipments pushed to the channel, {len(push_doubled)} twice, {len(push_lost)} never")
    print(f"soak: orders by status: {json.dumps(statuses, sort_keys=True)}")
    if peaks:
        print("soak: service peak RSS per lifetime (MB): " + ", ".join(f"{p:.1f}" for p in peaks))
    if ctl_failures:
        problems.append(f"{ctl_failures} orderctl calls failed unexpectedly")
    for p in problems:
        print("soak: PROBLEM:", p)
    print("soak:", "ok" if not problems else "FAILED", f"(work folder {root})")
    if not problems:
        shutil.rmtree(root, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
