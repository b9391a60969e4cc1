/**
 * The live lab page in headless Chromium against a real cluster: it loads with no console error
 * and no request off the entry, and each button does what it says — checked in the DOM and in
 * the cluster or the store. Leaves screenshots in the test's fixture folder.
 */
import { join } from 'node:path';
import t from 'tap';
import { launchChromium } from '../../helpers/chromium.ts';
import { createStoreInspector } from '../../../scenarios/conformance/store-inspector.ts';
import { sessionIdOf } from '../../../scenarios/lab/lab-record.ts';
import { startLabCluster } from './lab-fixture.ts';

/** Node restarts (flaw switch, key rotation) take seconds on a loaded machine. */
const SLOW_MS = 60_000;

t.test('every button of the lab page does what it says', async (t) => {
  t.saveFixture = true;
  const dir = t.testdir();
  const cluster = await startLabCluster(t);
  const entry = cluster.nginx.entry;
  const inspector = await createStoreInspector(cluster.stores.url);
  t.teardown(() => inspector?.close());

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const offEntry: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('request', (r) => void (r.url().startsWith(entry) || offEntry.push(r.url())));

  const storedValues = async (): Promise<string[]> => {
    const sid = (await context.cookies()).find((c) => c.name === 'sid');
    if (sid === undefined || inspector === undefined) return [];
    const keys = await inspector.findKeys(sessionIdOf(sid.value));
    return (await Promise.all(keys.map((k) => inspector.values(k.key)))).flat();
  };
  const text = (selector: string) => page.locator(selector).innerText();

  t.equal((await page.goto(`${entry}/_lab/`))?.status(), 200, 'the page loads');
  await page.locator('.node[data-health="up"]').nth(1).waitFor();
  t.equal(await page.locator('.node').count(), 2, 'two nodes in the picture');
  t.equal(await page.locator('.store[data-state="running"]').count(), 1, 'the store runs');
  t.match(await text('#setup'), 'engine × redis, 2 nodes, nginx round-robin');

  await page.click('#login');
  await page.locator('#whoami', { hasText: 'alice' }).waitFor();
  const request = (hasText: RegExp) => page.locator('#requests li', { hasText });
  t.match(await request(/login/).innerText(), /^POST \/_lab\/api\/login → 200 n[12]$/);
  t.ok(
    (await storedValues()).some((v) => v.includes('alice')),
    'the store holds alice',
  );
  t.match(await text('#record'), /#[0-9a-f]{8}/, 'the record names the id by its hash');

  await page.fill('#key', 'colour');
  await page.fill('#value', 'teal');
  await page.click('#write');
  await page.locator('#record', { hasText: 'teal' }).waitFor();
  t.match(await text('#requests'), /PUT \/session\/data\/colour → 204 n[12]/);
  t.ok(
    (await storedValues()).some((v) => v.includes('teal')),
    'the store holds the write',
  );

  await page.fill('#burst-n', '30');
  await page.click('#burst');
  await page.locator('#burst-result[data-lost]').waitFor();
  t.match(
    await text('#burst-result'),
    /^30 of 30 increments answered 200 \(n1: 15, n2: 15\); counter 0 → 30: 0 lost$/,
  );
  t.ok((await storedValues()).includes('30'), 'the store counter is 30');

  await page.selectOption('#flaw-name', 'whole-session-writes');
  await page.click('#flaw-toggle');
  await page
    .locator('#flaws', { hasText: 'flaws on: whole-session-writes' })
    .waitFor({ timeout: SLOW_MS });
  t.same(cluster.flaws, ['whole-session-writes'], 'the nodes run with the flaw');
  await page.locator('#busy').waitFor({ state: 'hidden', timeout: SLOW_MS });
  await page.fill('#burst-n', '60');
  await page.click('#burst');
  await page.locator('#burst-result', { hasText: /counter 30 →/ }).waitFor();
  const lost = Number(await page.locator('#burst-result').getAttribute('data-lost'));
  t.ok(lost > 0, `with whole-session writes the counter falls behind (${lost} of 60 lost)`);
  await page.screenshot({ path: join(dir, 'lab-flaw.png'), fullPage: true });
  await page.click('#flaw-toggle');
  await page.locator('#flaws', { hasText: 'no flaw' }).waitFor({ timeout: SLOW_MS });
  t.same(cluster.flaws, [], 'the flaw is off again');
  await page.locator('#busy').waitFor({ state: 'hidden', timeout: SLOW_MS });

  await page.click('.node[data-id="n2"] button[data-op="kill"]');
  await page.locator('.node[data-id="n2"][data-health="down"]').waitFor();
  t.equal(cluster.nodes[1]?.process.running, false, 'node n2 is dead');
  await page.click('.node[data-id="n2"] button[data-op="start"]');
  await page.locator('.node[data-id="n2"][data-health="up"]').waitFor({ timeout: SLOW_MS });
  t.equal(cluster.nodes[1]?.process.running, true, 'node n2 runs again');

  await page.click('#store-pause');
  await page.locator('.store[data-state="paused"]').waitFor();
  t.equal(cluster.stores.processes[0]?.paused, true, 'redis is stopped with SIGSTOP');
  t.match(
    await request(/ 503 /).first().innerText(),
    /^GET \/me → 503 n[12]$/,
    'the page sees 503',
  );
  await page.click('#store-resume');
  await page.locator('.store[data-state="running"]').waitFor();
  t.equal(cluster.stores.processes[0]?.paused, false, 'redis runs again');

  await page.click('#rotate');
  await page
    .locator('#log', { hasText: 'the nodes now sign with k2' })
    .waitFor({ timeout: SLOW_MS });
  await page.locator('#busy').waitFor({ state: 'hidden', timeout: SLOW_MS });
  t.equal(cluster.signingKeys[0]?.id, 'k2', 'the cluster signs with k2');
  await page.click('#write');
  await page.locator('#whoami', { hasText: 'alice' }).waitFor();
  t.match(await text('#whoami'), 'alice', 'still logged in after the rotation');

  await page.screenshot({ path: join(dir, 'lab.png'), fullPage: true });
  await page.click('#logout');
  await page.locator('#whoami', { hasText: 'anonymous' }).waitFor();
  t.same(await storedValues(), [], 'the session is gone from the store');
  t.match(await text('#requests'), /POST \/logout → 204 n[12]/);

  t.same(
    errors.filter((e) => !/status of (401|503)/.test(e)),
    [],
    'no console errors',
  );
  t.same(offEntry, [], 'no request leaves the entry');
  t.comment(`screenshots: ${join(dir, 'lab.png')}, ${join(dir, 'lab-flaw.png')}`);
});
