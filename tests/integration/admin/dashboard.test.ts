// The dashboard in a real headless Chromium (Debian's, driven by playwright-core; no browser is
// downloaded): a user finds a job, pauses it, sees changes made elsewhere arrive without a reload,
// runs it now and sees the run in its history, edits its cron (a bad one is shown next to the
// field), removes it after a confirmation, and sees the nodes and the runs in progress.
// Screenshots of each page go to test-results/admin/ (or $HORAE_TEST_OUTPUT/admin/).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath } from '../../helpers/services.js';
import { uniquePrefix } from '../../helpers/sql.js';
import { sqliteTarget } from '../../helpers/targets.js';
import { waitUntil } from '../../helpers/wait.js';
import { startAdmin, type AdminFixture } from './harness.js';

/** Undefined off CI when Debian's chromium is missing: the tests are then skipped (see services.ts). */
const browserPath = chromiumPath();
const screenshots = join(resolve(process.env.HORAE_TEST_OUTPUT ?? 'test-results'), 'admin');

let browser: Browser;
let fixture: AdminFixture | undefined;
const target = sqliteTarget();

beforeAll(async () => {
  if (browserPath === undefined) return;
  mkdirSync(screenshots, { recursive: true });
  await target.prepare();
  browser = await chromium.launch({
    executablePath: browserPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await target.dispose();
});

afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function openPage(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const response = await page.goto(`${fixture!.base}${path}`);
  expect(response?.status()).toBe(200);
  // Live once the event stream is open: changes from now on reach the page.
  await page.waitForSelector('#live-status[data-connected="true"]');
  return page;
}

/** Marks the page; a reload would lose the mark. */
// Browser code as text: the tests are compiled without the DOM's types.
const mark = (page: Page) => page.evaluate('window.notReloaded = true');
const stillMarked = (page: Page) => page.evaluate('window.notReloaded === true');

describe.skipIf(browserPath === undefined)('the dashboard in Chromium', () => {
  it('finds a job, pauses it, and shows a change made elsewhere without a reload', async () => {
    fixture = await startAdmin({ store: target.open(uniquePrefix('dash')), basePath: '/admin' });
    const { api, scheduler } = fixture;
    await api('POST', '/api/jobs', {
      func: 'ok',
      id: 'report',
      name: 'Weekday report',
      trigger: { type: 'cron', crontab: '30 10 * * 1-5' },
    });
    await api('POST', '/api/jobs', {
      func: 'ok',
      id: 'cleanup',
      name: 'Cleanup',
      trigger: { type: 'interval', hours: 6 },
    });

    const page = await openPage('/jobs');
    await page.screenshot({ path: join(screenshots, 'jobs.png'), fullPage: true });
    await page.fill('input[name="search"]', 'weekday');
    await Promise.all([page.waitForURL(/search=weekday/), page.click('form.search button[type="submit"]')]);
    await page.waitForSelector('#live-status[data-connected="true"]');
    expect(await page.locator('tr[data-job-row]').count()).toBe(1);
    const row = page.locator('tr[data-job-row="report"]');
    expect(await row.textContent()).toContain('Asia/Shanghai');
    expect(await row.textContent()).toContain("crontab='30 10 * * 1-5'");
    await mark(page);

    await row.locator('button[data-action="pause"]').click();
    await page.waitForSelector('tr[data-job-row="report"][data-paused="true"]');
    expect((await scheduler.getJob('report'))?.nextRunTime).toBeNull();

    // Resumed by someone else: the row follows, through the event stream.
    await scheduler.resumeJob('report');
    await page.waitForSelector('tr[data-job-row="report"][data-paused="false"]');
    expect(await page.locator('tr[data-job-row="report"] button[data-action="pause"]').count()).toBe(1);
    expect(await stillMarked(page)).toBe(true);

    // The scheduler itself, from the header.
    await page.click('button[data-action="scheduler-pause"]');
    await page.waitForSelector('#scheduler-state[data-state="paused"]');
    expect(scheduler.state).toBe('paused');
    await page.click('button[data-action="scheduler-resume"]');
    await page.waitForSelector('#scheduler-state[data-state="running"]');
    expect(scheduler.state).toBe('running');
    await page.close();
  });

  it('runs a job now and shows the run in its history, live', async () => {
    fixture = await startAdmin({ store: target.open(uniquePrefix('dash')), basePath: '/admin' });
    await fixture.api('POST', '/api/jobs', {
      func: 'fail',
      id: 'flaky',
      name: 'Flaky',
      trigger: { type: 'cron', hour: 3 },
    });
    await fixture.api('POST', '/api/jobs', {
      func: 'ok',
      id: 'steady',
      name: 'Steady',
      trigger: { type: 'cron', hour: 4 },
    });

    const page = await openPage('/jobs/steady');
    await mark(page);
    expect(await page.locator('#run-history').textContent()).toContain('No runs recorded');
    await page.click('#job-summary button[data-action="run"]');
    await page.waitForSelector('#run-history tr[data-outcome="success"]');
    expect(await page.locator('#run-history').textContent()).toContain('manual');
    expect(await stillMarked(page)).toBe(true);
    await page.screenshot({ path: join(screenshots, 'job.png'), fullPage: true });

    // A failing run shows its error, and its stack trace on demand.
    const flaky = await openPage('/jobs/flaky');
    await flaky.click('#job-summary button[data-action="run"]');
    await flaky.waitForSelector('#run-history tr[data-outcome="error"]');
    const error = flaky.locator('#run-history tr[data-outcome="error"] .error-text');
    expect(await error.textContent()).toContain('<b>boom</b> & "quoted"');
    await flaky.click('#run-history summary');
    expect(await flaky.locator('#run-history pre').textContent()).toContain('Error: <b>boom</b>');

    const overview = await openPage('/');
    expect(await overview.locator('[data-count="failing"]').textContent()).toBe('1');
    expect(await overview.textContent('#overview')).toContain('Flaky');
    await overview.screenshot({ path: join(screenshots, 'overview.png'), fullPage: true });
    await Promise.all([page.close(), flaky.close(), overview.close()]);
  });

  it('edits a cron, showing a bad one next to the field, then the new next runs', async () => {
    fixture = await startAdmin({ store: target.open(uniquePrefix('dash')), basePath: '/admin' });
    await fixture.api('POST', '/api/jobs', {
      func: 'ok',
      id: 'edit',
      trigger: { type: 'cron', crontab: '0 3 * * *' },
    });
    const page = await openPage('/jobs/edit');
    await mark(page);
    await page.fill('#crontab', '61 * * * *');
    await page.click('#edit-trigger button[type="submit"]');
    const fieldError = page.locator('[data-error-for="crontab"]');
    await fieldError.waitFor({ state: 'visible' });
    expect(await fieldError.textContent()).toMatch(/minute.*61/);
    expect(await page.getAttribute('#crontab', 'aria-invalid')).toBe('true');
    expect((await fixture.scheduler.getJob('edit'))?.trigger.toJSON()).toMatchObject({
      crontab: '0 3 * * *',
    });

    await page.fill('#crontab', '45 9 * * *');
    await page.click('#edit-trigger button[type="submit"]');
    await page.locator('#next-runs li time', { hasText: '09:45:00' }).first().waitFor();
    const times = await page.locator('#next-runs li time').allTextContents();
    expect(times).toHaveLength(10);
    expect(times.every((time) => time.endsWith('09:45:00'))).toBe(true);
    expect(await stillMarked(page)).toBe(true);
    await page.close();
  });

  it('removes a job only after the user confirms', async () => {
    fixture = await startAdmin({ store: target.open(uniquePrefix('dash')), basePath: '/admin' });
    const { scheduler } = fixture;
    await fixture.api('POST', '/api/jobs', {
      func: 'ok',
      id: 'doomed',
      name: 'Doomed',
      trigger: { type: 'interval', hours: 1 },
    });
    const page = await openPage('/jobs/doomed');
    const questions: string[] = [];
    page.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.dismiss();
    });
    await page.click('#job-summary button[data-action="remove"]');
    await waitUntil(() => questions.length === 1, 'the confirmation');
    expect(questions[0]).toContain('Remove job “Doomed” (doomed)?');
    expect(await scheduler.getJob('doomed')).not.toBeNull();

    page.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([
      page.waitForURL(/\/admin\/jobs$/),
      page.click('#job-summary button[data-action="remove"]'),
    ]);
    expect(await scheduler.getJob('doomed')).toBeNull();
    expect(await page.locator('tr[data-job-row="doomed"]').count()).toBe(0);
    await page.close();
  });

  it('shows the nodes and the runs in progress on the Nodes page', async () => {
    const admin = await startAdmin({
      store: target.open(uniquePrefix('dash')),
      basePath: '/admin',
      schedulerOptions: { nodeId: 'dash-node' },
    });
    fixture = admin;
    await admin.api('POST', '/api/jobs', {
      func: 'hold',
      id: 'slow',
      name: 'Slow report',
      trigger: { type: 'interval', hours: 1 },
    });
    await admin.api('POST', '/api/jobs/slow/run');
    await waitUntil(() => admin.ran.get('hold') === 1, 'the run to start');

    const page = await openPage('/');
    await Promise.all([page.waitForURL(/\/admin\/nodes$/), page.click('header nav a[href="/admin/nodes"]')]);
    const node = page.locator('tr[data-node="dash-node"]');
    await node.waitFor();
    expect(await node.textContent()).toMatch(/this process[\s\S]*both/);
    const run = page.locator('tr[data-state="held"]');
    expect(await run.textContent()).toContain('Slow report');
    expect(await run.textContent()).toContain('dash-node');
    await page.screenshot({ path: join(screenshots, 'nodes.png'), fullPage: true });

    // The run ends; the page follows without a reload.
    await page.waitForSelector('#live-status[data-connected="true"]');
    await mark(page);
    admin.release();
    await page.locator('#nodes', { hasText: 'No runs in progress.' }).waitFor();
    expect(await stillMarked(page)).toBe(true);
    await page.close();
  });

  it('shows live events as they happen', async () => {
    fixture = await startAdmin({ store: target.open(uniquePrefix('dash')), basePath: '/admin' });
    await fixture.api('POST', '/api/jobs', {
      func: 'ok',
      id: 'ticker',
      trigger: { type: 'interval', hours: 1 },
    });
    const page = await openPage('/events');
    await fixture.api('POST', '/api/jobs/ticker/run');
    await page.waitForSelector('#event-rows tr[data-type="job_executed"]');
    expect(await page.locator('#event-rows tr[data-type="job_executed"]').first().textContent()).toContain(
      'ticker',
    );
    await page.screenshot({ path: join(screenshots, 'events.png'), fullPage: true });
    await page.close();
  });

  it('hides every action in read-only mode, and the API refuses them', async () => {
    fixture = await startAdmin({ store: target.open(uniquePrefix('dash')), readOnly: true });
    await fixture.scheduler.addJob('ok', 'interval', { id: 'look', hours: 1 });
    const page = await openPage('/jobs');
    expect(await page.locator('tr[data-job-row="look"]').count()).toBe(1);
    expect(await page.locator('button[data-action]').count()).toBe(0);
    const status = await page.evaluate(`(async () => {
      const root = document.documentElement;
      const response = await fetch(root.dataset.base + '/api/jobs/look/pause', {
        method: 'POST',
        headers: { 'x-horae-csrf': root.dataset.csrf },
      });
      return response.status;
    })()`);
    expect(status).toBe(403);
    await page.goto(`${fixture.base}/jobs/look`);
    expect(await page.locator('#edit-trigger').count()).toBe(0);
    await page.close();
  });

  it('refuses a browser the authorize hook says no to, and serves one it lets in', async () => {
    fixture = await startAdmin({
      authorize: (request) => /(^|; )session=ok(;|$)/.test(request.headers.get('cookie') ?? ''),
    });
    const page = await browser.newPage();
    const response = await page.goto(`${fixture.base}/jobs`);
    expect(response?.status()).toBe(403);
    expect(await page.content()).not.toContain('data-job-row');
    await page.close();
    const context = await browser.newContext();
    await context.addCookies([{ name: 'session', value: 'ok', url: fixture.base }]);
    const allowed = await context.newPage();
    expect((await allowed.goto(`${fixture.base}/jobs`))?.status()).toBe(200);
    await allowed.waitForSelector('#live-status[data-connected="true"]');
    await context.close();
  });

  it('asks for basic auth credentials and serves a browser that has them', async () => {
    fixture = await startAdmin({ basicAuth: { username: 'ops', password: 'correct horse' } });
    const context = await browser.newContext({
      httpCredentials: { username: 'ops', password: 'correct horse' },
    });
    const page = await context.newPage();
    expect((await page.goto(`${fixture.base}/jobs`))?.status()).toBe(200);
    await page.waitForSelector('#live-status[data-connected="true"]');
    await context.close();
    const refused = await fetch(`${fixture.base}/jobs`);
    expect([refused.status, refused.headers.get('www-authenticate')]).toEqual([
      401,
      'Basic realm="Horae", charset="UTF-8"',
    ]);
  });
});
