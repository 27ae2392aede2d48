import path from 'node:path';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';

export type DatabaseTarget =
  | { provider: 'sqlite'; filePath: string; displayUrl: string }
  | { provider: 'postgresql'; connectionString: string; displayUrl: string };

/**
 * Reads DATABASE_URL the way Prisma users write it: `file:./dev.db` (relative to the project
 * root) for SQLite, `postgresql://…` or `postgres://…` for PostgreSQL.
 */
export function parseDatabaseUrl(url: string, projectRoot: string): DatabaseTarget {
  if (url.startsWith('file:')) {
    const filePath = decodeURIComponent(url.slice('file:'.length).replace(/^\/\/(?=\/)/, '').split('?')[0]!);
    if (filePath === '') throw invalidUrl(url);
    return { provider: 'sqlite', filePath: path.resolve(projectRoot, filePath), displayUrl: url };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalidUrl(url);
    }
    if (parsed.password) parsed.password = '***';
    return { provider: 'postgresql', connectionString: url, displayUrl: parsed.toString() };
  }
  throw invalidUrl(url);
}

export function providerOfUrl(url: string, projectRoot: string): Provider {
  return parseDatabaseUrl(url, projectRoot).provider;
}

function invalidUrl(url: string): OrchestratorError {
  const shown = url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  return new OrchestratorError('DATABASE_URL_INVALID', `DATABASE_URL "${shown}" is not a database URL the orchestrator understands.`, {
    fix: 'Use file:./path/to.db for SQLite or postgresql://user:password@host:5432/database for PostgreSQL; unset it to use the embedded SQLite file data/app.db.',
  });
}
