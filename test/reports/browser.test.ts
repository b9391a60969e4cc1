/**
 * The rendered report in a real browser (Debian's Chromium, headless, JavaScript off): no
 * console error, no request beyond the page itself, the matrix and charts visible, cells that
 * jump to their evidence. Leaves a screenshot in the test's fixture folder.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import t from 'tap';
import { launchChromium } from '../helpers/chromium.ts';
import { writeReportDir } from '../../reports/write.ts';
import { fixtureResults } from './fixtures/load.ts';

t.test('the report renders in Chromium without errors or requests', async (t) => {
  t.saveFixture = true;
  const dir = t.testdir();
  const { files } = await writeReportDir(join(dir, 'report'), fixtureResults());
  const index = files.find((file) => file.endsWith('index.html')) ?? '';
  const pageUrl = pathToFileURL(index).href;

  const browser = await launchChromium();
  t.teardown(() => browser.close());
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  const failed: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      errors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  page.on('requestfailed', (request) => failed.push(request.url()));

  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  t.ok(response?.ok(), 'the page loads');
  t.same(errors, [], 'no console errors');
  t.same(failed, [], 'no failed requests');
  t.same(requests, [pageUrl], 'no request but the page itself');

  const matrix = page.locator('table.matrix');
  t.ok(await matrix.isVisible(), 'the matrix is visible');
  t.equal(await matrix.locator('tbody tr').count(), 17, 'a row per check');
  t.equal(await matrix.locator('thead th.target').count(), 2, 'a column per target');
  t.equal(await matrix.locator('td.cell.v-fail').count(), 3, 'the three FAIL cells');
  // An expression string: the test is typed without the DOM library.
  const cellColour = await page.evaluate(
    "getComputedStyle(document.querySelector('table.matrix td.cell.v-fail')).backgroundColor",
  );
  t.equal(cellColour, 'rgb(211, 47, 47)', 'FAIL cells are red');

  const charts = page.locator('svg.chart');
  t.equal(await charts.count(), 4, 'throughput direct and nginx, latency, ratios');
  for (let i = 0; i < 4; i++) {
    const box = await charts.nth(i).boundingBox();
    t.ok(
      box && box.width > 300 && box.height > 60,
      `chart ${i + 1} is drawn (${box?.width}×${box?.height})`,
    );
  }
  t.ok(await page.locator('svg.chart rect.bar').first().isVisible(), 'bars are visible');

  await matrix.locator('td.cell.v-fail a').first().click();
  t.match(page.url(), /#evidence-express-session-redis-sl-xn-03$/);
  const evidence = page.locator('#evidence-express-session-redis-sl-xn-03');
  t.ok(await evidence.isVisible(), 'the evidence section is shown');
  t.match(
    await evidence.locator('pre').textContent(),
    '"note": "<script>alert(\\"xss\\")</script> & more"',
  );

  await page.goto(pageUrl);
  const screenshot = join(dir, 'report.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.screenshot({ path: join(dir, 'report-top.png') });
  t.comment(`screenshot: ${screenshot}`);
  t.same(errors, [], 'still no console errors');
  t.same(failed, [], 'still no failed requests');
});
