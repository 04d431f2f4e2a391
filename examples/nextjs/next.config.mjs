// Horae and its database drivers run as Node.js packages, not bundled: they load drivers and
// worker files at run time.
/** @type {import('next').NextConfig} */
export const nextConfig = {
  serverExternalPackages: ['horae', 'better-sqlite3', 'pg', 'mysql2', 'ioredis'],
  // The examples test builds into a directory of its own.
  distDir: process.env.NEXT_DIST_DIR || '.next',
};

// eslint-disable-next-line no-restricted-syntax -- Next.js reads the config from the default export
export default nextConfig;
