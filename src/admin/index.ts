export {
  createAdmin,
  AdminDependencyError,
  type AdminHandler,
  type CreateAdminOptions,
} from './admin-handler.js';
export { serveAdmin, type ServeAdminOptions, type AdminServer } from './serve-admin.js';
export type { AdminOptions, AuthorizeHook } from './admin-options.js';
export { CSRF_HEADER } from './security.js';
export type { ErrorBody } from './http-errors.js';
export type { JobView, RunView, HealthView } from './job-view.js';
export type { EventView } from './event-stream.js';
export type { NodeView, ActiveRunView, ClusterView } from './cluster-view.js';
