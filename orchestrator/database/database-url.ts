import path from 'node:path';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';

export type DatabaseTarget =
  | { provider: 'sqlite'; filePath: string; displayUrl: string }
  | {
      provider: 'postgresql';
      connectionString: string;
      displayUrl: string;
      /** `?schema=` (Prisma's parameter): where tables and history live. Undefined: the connection's current schema. */
      schema: string | undefined;
      /** `?connect_timeout=` in seconds (Prisma's and libpq's name), else ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS, else 10 s. */
      connectTimeoutMs: number;
      /** Where the URL points, for messages such as a `createdb` fix. */
      server: { host: string; port: string; user: string; database: string };
    };

const DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

/**
 * Reads DATABASE_URL the way Prisma users write it: `file:./dev.db` (relative to the project
 * root) for SQLite, `postgresql://…` or `postgres://…` for PostgreSQL.
 */
export function parseDatabaseUrl(url: string, projectRoot: string, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
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
    const timeout = parsed.searchParams.get('connect_timeout') ?? env.ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS ?? DEFAULT_CONNECT_TIMEOUT_SECONDS;
    const seconds = Number(timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new OrchestratorError('DATABASE_URL_INVALID', `The connect timeout "${timeout}" (connect_timeout in DATABASE_URL, or ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS) is not a positive number of seconds.`, {
        fix: `Use a number of seconds such as ${DEFAULT_CONNECT_TIMEOUT_SECONDS}.`,
      });
    }
    const server = {
      host: parsed.hostname || 'localhost',
      port: parsed.port || '5432',
      user: decodeURIComponent(parsed.username) || env.PGUSER || 'postgres',
      database: decodeURIComponent(parsed.pathname.slice(1)) || decodeURIComponent(parsed.username),
    };
    if (parsed.password) parsed.password = '***';
    return { provider: 'postgresql', connectionString: url, displayUrl: parsed.toString(), schema: parsed.searchParams.get('schema') || undefined, connectTimeoutMs: seconds * 1000, server };
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
