// The console in a real browser (Debian's chromium, driven by playwright-core)
// against the real service on a real state: the demo's day, done by a
// person in the browser. Run by ctest (make test); screenshots of each page
// go to $ORDERD_SCREENSHOT_DIR (build/console-screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, '../..');
const bin = process.env.ORDERD_BIN_DIR || path.join(source, 'build/bin');
const shots = process.env.ORDERD_SCREENSHOT_DIR || path.join(source, 'build/console-screenshots');
const chromiumPath = process.env.ORDERD_CHROMIUM || '/usr/bin/chromium';
const password = 'correct-horse-battery';

let chromium = null;
let why = '';
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  why = `playwright-core is not installed in ${here}/node_modules (make test runs npm ci there)`;
}
if (!why && !fs.existsSync(chromiumPath)) why = `no browser at ${chromiumPath} (apt-get install chromium)`;
if (!why && Number(process.versions.node.split('.')[0]) < 20)
  why = `node ${process.versions.node} is older than playwright-core needs (20)`;
if (why) console.log(`# console browser tests skipped: ${why}`);

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

let dir, base, service, browser, page, serviceLog = '';
const errors = [];

before(async () => {
  if (why) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderd-console-'));
  fs.mkdirSync(shots, { recursive: true });
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const demo = path.join(source, 'examples/demo');
  fs.writeFileSync(
    path.join(dir, 'orderd.yaml'),
    fs.readFileSync(path.join(demo, 'orderd.yaml'), 'utf8') + `\nconsole:\n  listen: 127.0.0.1:${port}\n`,
  );
  const cfg = path.join(dir, 'orderd.yaml');
  execFileSync(path.join(bin, 'orderctl'), ['-c', cfg, 'user', 'add', 'ana'], { input: password + '\n' });
  const inbound = path.join(dir, 'run/spool/inbound/orders/shop');
  fs.mkdirSync(inbound, { recursive: true });
  fs.copyFileSync(path.join(demo, 'orders_export.csv'), path.join(inbound, 'orders_export.csv'));
  service = spawn(path.join(bin, 'orderd'), ['-c', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  service.stderr.on('data', (d) => (serviceLog += d));
  for (let i = 0; ; ++i) {
    try {
      const r = await fetch(`${base}/login`);
      if (r.ok) break;
    } catch {}
    if (i > 100) throw new Error(`the console did not answer at ${base}:\n${serviceLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The first sync has read the export once the service says so.
  for (let i = 0; !serviceLog.includes('orders_export.csv: 3 orders'); ++i) {
    if (i > 100) throw new Error(`the service did not import the demo export:\n${serviceLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const args = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'];
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
});

after(async () => {
  if (browser) await browser.close();
  if (service) {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const shot = (name) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
const rowOf = (order) => page.locator('tr', { has: page.locator(`a:text-is("${order}")`) });

test('the demo day in the browser', { skip: why || false }, async (t) => {
  await t.test('a page without a session goes to the login form', async () => {
    await page.goto(`${base}/orders?sku=AC-*`);
    assert.match(page.url(), /\/login\?next=%2Forders%3Fsku%3DAC-/);
    await shot('login');
    await page.fill('input[name=user]', 'ana');
    await page.fill('input[name=password]', 'not-the-password');
    await page.click('button:text("Log in")');
    assert.match(await page.textContent('.msg'), /do not match/);
  });

  await t.test('log in, and land where the link pointed', async () => {
    await page.fill('input[name=user]', 'ana');
    await page.fill('input[name=password]', password);
    await page.click('button:text("Log in")');
    await page.waitForURL(/\/orders\?sku=AC-/);
    assert.equal(await page.locator('#results tbody tr').count(), 1);
    errors.length = 0; // the refused login's 403 was the browser's one error
  });

  await t.test('an order waits with its reason, and is resolved through the form', async () => {
    await page.goto(`${base}/`);
    const row = rowOf('#1002');
    assert.match(await row.textContent(), /needs_resolve/);
    assert.match(await row.textContent(), /ship_to\.phone is missing \(required by supplier acme\)/);
    await shot('process-orders');
    await row.locator('a:text("Resolve")').click();
    await page.waitForURL(/\/resolve\?ref=/);
    // Exactly the missing field, with the supplier that needs it.
    const inputs = page.locator('input[name^="set."]');
    assert.equal(await inputs.count(), 1);
    assert.equal(await inputs.getAttribute('name'), 'set.ship_to.phone');
    assert.match(await page.textContent('form.form'), /needed by supplier acme/);
    await shot('resolve');
    await inputs.fill('217-555-0102');
    await page.click('button:text("Save and verify again")');
    await page.waitForURL(/\/order\?ref=/);
    assert.match(await page.textContent('.flash'), /order #1002 is ready/);
  });

  await t.test('processed from the browser, the PO lands in the supplier folder', async () => {
    await page.goto(`${base}/`);
    await rowOf('#1002').locator('button:text("Process")').click();
    await page.waitForSelector('.flash');
    assert.match(await page.textContent('.flash'), /processed 1 orders? into 1 POs?/);
    const acme = path.join(dir, 'run/out/supplier/acme');
    const files = fs.readdirSync(acme);
    assert.equal(files.length, 1);
    assert.match(fs.readFileSync(path.join(acme, files[0]), 'utf8'), /217-555-0102/);
  });

  await t.test('history is searched by SKU and by customer', async () => {
    await page.goto(`${base}/orders`);
    await page.fill('input[name=sku]', 'AC-1*');
    await page.click('button:text("Search")');
    await page.waitForURL(/sku=AC-1/);
    let rows = page.locator('#results tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /#1002/);
    await page.goto(`${base}/orders?customer=Lovelace`);
    rows = page.locator('#results tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /#1001/);
    await page.goto(`${base}/orders`);
    assert.equal(await page.locator('#results tbody tr').count(), 3);
    await shot('order-history');
  });

  await t.test("the order's audit trail names the console user, and its PO downloads whole", async () => {
    await page.goto(`${base}/order?ref=${encodeURIComponent('shop:#1002')}`);
    const trail = await page.textContent('#events');
    assert.match(trail, /console:ana\s*resolved/);
    assert.match(trail, /set ship_to\.phone=217-555-0102/);
    await shot('order');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('a[href^="/document?id="]').first().click(),
    ]);
    const got = fs.readFileSync(await download.path());
    const acme = path.join(dir, 'run/out/supplier/acme');
    const sent = fs.readFileSync(path.join(acme, fs.readdirSync(acme)[0]));
    assert.equal(download.suggestedFilename(), fs.readdirSync(acme)[0]);
    assert.ok(got.equals(sent), 'the download is the exact file the supplier got');
  });

  await t.test('Sync orders now runs in the service and shows in Sync Status', async () => {
    await page.goto(`${base}/sync`);
    await page.click('#sync-orders');
    await page.waitForSelector('.flash');
    assert.match(await page.textContent('.flash'), /files read/);
    assert.match(await page.textContent('#runs'), /orders\s*console:ana/);
    assert.match(await page.textContent('#last'), /orders\s*\S+\s*\S+\s*console:ana/);
    await shot('sync-status');
  });

  await t.test("the supplier's tracking comes back: Sync tracking now, and the order shows it", async () => {
    const acme = path.join(dir, 'run/out/supplier/acme');
    const po = fs.readFileSync(path.join(acme, fs.readdirSync(acme)[0]), 'utf8').split(/\r?\n/)[1].split(',')[0];
    const inbound = path.join(dir, 'run/spool/inbound/tracking/acme');
    fs.writeFileSync(path.join(inbound, 'acme-tracking.csv'),
      `PO Number,SKU,Qty Shipped,Carrier,Tracking\n${po},AC-1042,3,UPS,1Z999AA10000000001\n`);
    await page.goto(`${base}/sync`);
    await page.click('#sync-tracking');
    await page.waitForSelector('.flash');
    // The service may have taken the file as it arrived (inotify); either way it is read once.
    for (let i = 0; i < 50; ++i) {
      await page.goto(`${base}/order?ref=${encodeURIComponent('shop:#1002')}`);
      if (/1Z999AA10000000001/.test(await page.textContent('main'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(await page.textContent('main'), /UPS 1Z999AA10000000001 \(3\)/);
    assert.match(await page.textContent('h1'), /shipped|completed/);
  });

  await t.test('an order is canceled with a reason', async () => {
    await page.goto(`${base}/order?ref=${encodeURIComponent('shop:#1001')}`);
    await page.fill('input[name=reason]', 'customer called to cancel');
    await page.click('button:text("Cancel order")');
    await page.waitForSelector('.flash');
    await page.goto(`${base}/order?ref=${encodeURIComponent('shop:#1001')}`);
    assert.match(await page.textContent('h1'), /canceled/);
    assert.match(await page.textContent('#events'), /customer called to cancel/);
  });

  await t.test('suppliers and alerts pages', async () => {
    // A snapshot counted again after each action: the new count arrives at once or in a moment.
    for (let i = 0; i < 50; ++i) {
      await page.goto(`${base}/suppliers`);
      if (/acme\s*1/.test(await page.textContent('main'))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(await page.textContent('main'), /acme\s*1/);
    await shot('suppliers');
    await page.goto(`${base}/alerts`);
    assert.match(await page.textContent('h1'), /Alerts/);
    await shot('alerts');
  });

  await t.test('a POST without the CSRF token is refused, and nothing is done', async () => {
    const sent = () => fs.readdirSync(path.join(dir, 'run/out'), { recursive: true }).length;
    const before = sent();
    for (const form of [{}, { csrf: 'f'.repeat(64) }]) {
      const r = await page.request.post(`${base}/process-all`, { form });
      assert.equal(r.status(), 403);
      assert.match(await r.text(), /security token/);
    }
    assert.equal(sent(), before);
  });

  await t.test('headers: strict CSP, no inline script, the vendored htmx as its note says', async () => {
    const r = await page.request.get(`${base}/`);
    assert.match(r.headers()['content-security-policy'], /script-src 'self'/);
    assert.doesNotMatch(await r.text(), /<script>|<script [^>]*>[^<]/);
    const cookie = (await page.context().cookies()).find((c) => c.name === 'orderd_session');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    const js = fs.readFileSync(path.join(source, 'src/console/static/htmx.min.js'));
    const note = fs.readFileSync(path.join(source, 'src/console/static/NOTICE.md'), 'utf8');
    assert.ok(note.includes(createHash('sha384').update(js).digest('base64')));
    const served = await page.request.get(`${base}/static/htmx.min.js`);
    assert.ok(Buffer.from(await served.body()).equals(js));
    assert.deepEqual(errors, [], 'no error in the browser (a CSP refusal would be one)');
  });

  await t.test('/metrics counts the day', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /^orderd_orders\{status="canceled"\} 1$/m);
    assert.match(text, /^orderd_orders\{status="(shipped|completed)"\} 1$/m);
  });

  await t.test('log out ends the session', async () => {
    await page.click('button:text("Log out")');
    await page.waitForURL(/\/login$/);
    await page.goto(`${base}/sync`);
    assert.match(page.url(), /\/login\?next=/);
  });
});
