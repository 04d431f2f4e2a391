// horae/admin without its optional peer dependencies: the module loads, and the handler says what
// to install. The missing package is simulated by a module factory that throws as Node's resolver
// does for a package that is not installed.
import { afterEach, expect, it, vi } from 'vitest';
import { Scheduler } from '../../../src/index.js';

afterEach(() => {
  vi.doUnmock('hono');
  vi.resetModules();
});

it('loads without hono, and names the packages to install when asked to serve', async () => {
  vi.doMock('hono', () => {
    throw Object.assign(new Error("Cannot find package 'hono'"), { code: 'ERR_MODULE_NOT_FOUND' });
  });
  const { createAdmin, AdminDependencyError } = await import('../../../src/admin/index.js');
  const admin = createAdmin(new Scheduler(), { insecure: true });
  const error = await admin.ready().then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AdminDependencyError);
  expect(error).toMatchObject({ code: 'ERR_ADMIN_DEPENDENCY' });
  expect((error as Error).message).toContain('npm install hono @hono/node-server');
  await expect(admin.fetch(new Request('http://localhost/api/jobs'))).rejects.toThrow(AdminDependencyError);
});
