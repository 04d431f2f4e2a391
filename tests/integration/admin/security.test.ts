// Who may do what: the required security choice, basic auth, the authorize hook, CSRF on actions,
// read-only mode, hidden args, and escaping of user data in pages.
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError, Scheduler } from '../../../src/index.js';
import { createAdmin } from '../../../src/admin/index.js';
import { waitUntil } from '../../helpers/wait.js';
import { FAIL_MESSAGE, parseReply, startAdmin, type AdminFixture } from './harness.js';

let fixture: AdminFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function start(options: Parameters<typeof startAdmin>[0] = {}) {
  fixture = await startAdmin(options);
  return fixture;
}

describe('the security choice', () => {
  it('refuses to make a handler without authorize, basicAuth or insecure: true', () => {
    const scheduler = new Scheduler();
    const attempt = (options: unknown) => () => createAdmin(scheduler, options as never);
    expect(attempt({})).toThrow(InvalidArgumentError);
    expect(attempt({})).toThrow(/authorize.*basicAuth.*insecure: true/);
    expect(attempt(undefined)).toThrow(InvalidArgumentError);
    expect(attempt({ insecure: false })).toThrow(/security choice/);
    expect(attempt({ insecure: true, basicAuth: { username: 'a', password: 'b' } })).toThrow(
      /one security choice, not basicAuth and insecure/,
    );
    expect(attempt({ basicAuth: { username: 'ops', password: '' } })).toThrow(/basicAuth.password/);
    expect(attempt({ authorize: 'yes' })).toThrow(/authorize/);
    expect(attempt({ insecure: true, basePath: 'admin' })).toThrow(/basePath/);
    expect(attempt({ insecure: true, readonly: true })).toThrow(/Unknown admin option "readonly"/);
  });
});

describe('basic auth', () => {
  const basicAuth = { username: 'ops', password: 's3cret:pass' };
  const header = (user: string, password: string) => ({
    authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
  });

  it('answers 401 with a challenge without the right credentials, on the API and the pages', async () => {
    const { base } = await start({ basicAuth });
    for (const path of [
      '/api/jobs',
      '/',
      '/jobs',
      '/nodes',
      '/api/nodes',
      '/api/runs/active',
      '/api/events',
      '/assets/dashboard.js',
    ]) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="Horae", charset="UTF-8"');
    }
    expect((await fetch(`${base}/api/jobs`, { headers: header('ops', 'wrong') })).status).toBe(401);
    expect((await fetch(`${base}/api/jobs`, { headers: header('admin', basicAuth.password) })).status).toBe(
      401,
    );
    expect((await fetch(`${base}/api/jobs`, { headers: header('ops', basicAuth.password) })).status).toBe(
      200,
    );
  });

  it('refuses an action without credentials even with the CSRF token', async () => {
    const { base, api, token, scheduler } = await start({ basicAuth });
    await api('POST', '/api/jobs', { func: 'ok', id: 'job', trigger: { type: 'interval', hours: 1 } });
    const response = await fetch(`${base}/api/jobs/job/pause`, {
      method: 'POST',
      headers: { 'x-horae-csrf': token },
    });
    expect(response.status).toBe(401);
    expect((await scheduler.getJob('job'))?.nextRunTime).not.toBeNull();
  });
});

describe('the authorize hook', () => {
  it('sees each request and refuses it with 403 when it says no or throws', async () => {
    const seen: string[] = [];
    const { base } = await start({
      authorize: (request) => {
        seen.push(new URL(request.url).pathname);
        if (request.headers.get('x-fail') !== null) throw new Error('hook failed');
        return request.headers.get('x-api-key') === 'letmein';
      },
    });
    const denied = await parseReply(await fetch(`${base}/api/jobs`, { headers: { 'x-api-key': 'nope' } }));
    expect([denied.status, denied.body.error.code]).toEqual([403, 'ERR_FORBIDDEN']);
    expect((await fetch(`${base}/jobs`)).status).toBe(403);
    expect(
      (await fetch(`${base}/api/jobs`, { headers: { 'x-api-key': 'letmein', 'x-fail': '1' } })).status,
    ).toBe(403);
    expect((await fetch(`${base}/api/jobs`, { headers: { 'x-api-key': 'letmein' } })).status).toBe(200);
    expect(seen).toContain('/api/jobs');
    expect(seen).toContain('/jobs');
  });

  it('may be async', async () => {
    const { base } = await start({
      authorize: async (request) => request.headers.get('cookie') === 'session=ok',
    });
    expect((await fetch(`${base}/api/jobs`)).status).toBe(403);
    expect((await fetch(`${base}/api/jobs`, { headers: { cookie: 'session=ok' } })).status).toBe(200);
  });
});

describe('CSRF protection', () => {
  const setup = async () => {
    const started = await start();
    await started.api('POST', '/api/jobs', {
      func: 'ok',
      id: 'target',
      trigger: { type: 'interval', hours: 1 },
    });
    return started;
  };
  const stillScheduled = async (scheduler: Scheduler) =>
    expect((await scheduler.getJob('target'))?.nextRunTime).toBeInstanceOf(Date);

  it('refuses an action without the token, or with a wrong one', async () => {
    const { base, scheduler, token } = await setup();
    const attempts: Record<string, string>[] = [
      {},
      { 'x-horae-csrf': 'forged' },
      { 'x-horae-csrf': `${token}x` },
    ];
    for (const headers of attempts) {
      const reply = await parseReply(
        await fetch(`${base}/api/jobs/target/pause`, { method: 'POST', headers }),
      );
      expect([reply.status, reply.body.error.code]).toEqual([403, 'ERR_CSRF']);
    }
    const removal = await fetch(`${base}/api/jobs/target`, { method: 'DELETE' });
    expect(removal.status).toBe(403);
    // A form post from another site: no custom header possible.
    const form = await fetch(`${base}/api/jobs/target/pause`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=b',
    });
    expect(form.status).toBe(403);
    await stillScheduled(scheduler);
  });

  it('refuses an action from another origin even with the token', async () => {
    const { base, scheduler, token } = await setup();
    const fromEvil = await fetch(`${base}/api/jobs/target/pause`, {
      method: 'POST',
      headers: { 'x-horae-csrf': token, origin: 'https://evil.example' },
    });
    expect(fromEvil.status).toBe(403);
    const crossSite = await fetch(`${base}/api/jobs/target/pause`, {
      method: 'POST',
      headers: { 'x-horae-csrf': token, 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(403);
    await stillScheduled(scheduler);
    const sameOrigin = await fetch(`${base}/api/jobs/target/pause`, {
      method: 'POST',
      headers: { 'x-horae-csrf': token, origin: new URL(base).origin, 'sec-fetch-site': 'same-origin' },
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('accepts actions from a trusted origin', async () => {
    const { base, token } = await start({ trustedOrigins: ['https://ops.example.com'] });
    const reply = await fetch(`${base}/api/scheduler/pause`, {
      method: 'POST',
      headers: { 'x-horae-csrf': token, origin: 'https://ops.example.com' },
    });
    expect(reply.status).toBe(200);
  });

  it('never changes anything on GET', async () => {
    const { base, scheduler } = await setup();
    for (const path of ['/api/jobs/target/pause', '/api/jobs/target/run', '/api/scheduler/pause']) {
      expect((await fetch(`${base}${path}`)).status, path).toBe(404);
    }
    await stillScheduled(scheduler);
    expect(scheduler.state).toBe('running');
  });

  it('gives the same token to handlers that share a csrfSecret', () => {
    const scheduler = new Scheduler();
    const tokenOf = async (secret: string) => {
      const admin = createAdmin(scheduler, { insecure: true, csrfSecret: secret });
      const reply = await admin.fetch(new Request('http://localhost/api/csrf-token'));
      return ((await reply.json()) as { token: string }).token;
    };
    return Promise.all([tokenOf('a'.repeat(32)), tokenOf('a'.repeat(32)), tokenOf('b'.repeat(32))]).then(
      ([one, two, other]) => {
        expect(one).toBe(two);
        expect(one).not.toBe(other);
        expect(one).not.toContain('aaaa');
      },
    );
  });
});

describe('read-only mode', () => {
  it('serves reads, refuses every action with 403 and shows no action buttons', async () => {
    const writable = await startAdmin();
    await writable.api('POST', '/api/jobs', {
      func: 'ok',
      id: 'ro',
      trigger: { type: 'interval', hours: 1 },
    });
    const readOnly = createAdmin(writable.scheduler, { insecure: true, readOnly: true });
    const ask = async (method: string, path: string, body?: unknown) =>
      parseReply(
        await readOnly.fetch(
          new Request(`http://localhost${path}`, {
            method,
            headers: { 'x-horae-csrf': writable.token, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          }),
        ),
      );
    try {
      expect((await ask('GET', '/api/jobs')).body.total).toBe(1);
      expect((await ask('GET', '/api/scheduler')).body.readOnly).toBe(true);
      const token = (await ask('GET', '/api/csrf-token')).body.token as string;
      const actions: [string, string, unknown?][] = [
        ['POST', '/api/jobs', { func: 'ok' }],
        ['PATCH', '/api/jobs/ro', { name: 'x' }],
        ['POST', '/api/jobs/ro/pause'],
        ['POST', '/api/jobs/ro/run'],
        ['DELETE', '/api/jobs/ro'],
        ['POST', '/api/scheduler/pause'],
      ];
      for (const [method, path, body] of actions) {
        const reply = await parseReply(
          await readOnly.fetch(
            new Request(`http://localhost${path}`, {
              method,
              headers: { 'x-horae-csrf': token },
              body: body === undefined ? undefined : JSON.stringify(body),
            }),
          ),
        );
        expect([reply.status, reply.body.error.code], `${method} ${path}`).toEqual([403, 'ERR_READ_ONLY']);
      }
      const job = await writable.scheduler.getJob('ro');
      expect([job?.name, job?.nextRunTime instanceof Date, writable.ran.get('ok')]).toEqual([
        'ok',
        true,
        undefined,
      ]);
      for (const path of ['/jobs', '/jobs/ro', '/nodes', '/']) {
        const page = await (await readOnly.fetch(new Request(`http://localhost${path}`))).text();
        expect(page).toContain('read-only');
        expect(page).not.toContain('data-action=');
        expect(page).not.toContain('edit-trigger');
      }
    } finally {
      readOnly.close();
      await writable.close();
    }
  });
});

describe('job arguments and user data', () => {
  const secretArgs = ['postgres://user:hunter2@db/prod', { token: 'tok-123' }];

  it('hides args from the API and the pages unless showArgs is set', async () => {
    const hidden = await start();
    await hidden.api('POST', '/api/jobs', {
      func: 'ok',
      id: 'secret',
      args: secretArgs,
      trigger: { type: 'interval', hours: 1 },
    });
    const texts = [
      JSON.stringify((await hidden.api('GET', '/api/jobs')).body),
      JSON.stringify((await hidden.api('GET', '/api/jobs/secret')).body),
      await (await fetch(`${hidden.base}/jobs`)).text(),
      await (await fetch(`${hidden.base}/jobs/secret`)).text(),
    ];
    for (const text of texts) {
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('tok-123');
    }
    const shown = createAdmin(hidden.scheduler, { insecure: true, showArgs: true });
    const detail = (await (await shown.fetch(new Request('http://localhost/api/jobs/secret'))).json()) as {
      args: unknown;
    };
    expect(detail.args).toEqual(secretArgs);
    expect(await (await shown.fetch(new Request('http://localhost/jobs/secret'))).text()).toContain(
      'hunter2',
    );
  });

  it('escapes job names, ids, error messages and stack traces in every page', async () => {
    const { api, base } = await start();
    const name = '<img src=x onerror="alert(1)">';
    const id = 'job"><script>alert(2)</script>';
    await api('POST', '/api/jobs', { func: 'fail', id, name, trigger: { type: 'interval', hours: 1 } });
    await api('POST', `/api/jobs/${encodeURIComponent(id)}/run`);
    await waitUntil(
      async () => (await api('GET', `/api/jobs/${encodeURIComponent(id)}/runs`)).body.runs.length === 1,
      'the failing run',
    );
    for (const path of ['/', '/jobs', `/jobs/${encodeURIComponent(id)}`]) {
      const page = await (await fetch(`${base}${path}`)).text();
      expect(page, path).not.toContain('<img src=x');
      expect(page, path).not.toContain('<script>alert');
      expect(page, path).not.toContain('<b>boom</b>');
      expect(page, path).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
    }
    const jobPage = await (await fetch(`${base}/jobs/${encodeURIComponent(id)}`)).text();
    expect(jobPage).toContain('&lt;b&gt;boom&lt;/b&gt; &amp; &quot;quoted&quot;');
    expect(FAIL_MESSAGE).toContain('<b>');
  });

  it('answers the page of an unknown job with a 404 page, escaping the id', async () => {
    const { base } = await start();
    const response = await fetch(`${base}/jobs/${encodeURIComponent('<i>ghost</i>')}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain('&lt;i&gt;ghost&lt;/i&gt;');
    expect(page).not.toContain('<i>ghost');
  });

  it('serves pages with a content security policy that allows no inline script', async () => {
    const { base } = await start();
    const response = await fetch(`${base}/jobs`);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).toContain("frame-ancestors 'none'");
  });
});
