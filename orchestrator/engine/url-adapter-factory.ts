import { existsSync } from 'node:fs';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { unhandledProvider } from '../config/provider.ts';
import { parseDatabaseUrl, type DatabaseTarget } from '../database/database-url.ts';
import { OrchestratorError } from '../errors.ts';
import { postgresAdapterFactory } from './postgres-char-adapter.ts';

/**
 * The driver adapter the wasm schema engine needs to reach a live database, picked from a
 * datasource URL as Prisma users write it. Relative SQLite paths resolve against `baseDir`,
 * the folder the Prisma CLI starts the engine in (its config file's folder).
 */
export function adapterFactoryForUrl(url: string, baseDir: string, shadowDatabaseUrl?: string): SqlMigrationAwareDriverAdapterFactory {
  let target: ReturnType<typeof parseDatabaseUrl>;
  try {
    target = parseDatabaseUrl(url, baseDir);
  } catch {
    throw new OrchestratorError('ENGINE_FAILED', `The WebAssembly schema engine cannot connect to "${redact(url)}": only file: (SQLite) and postgresql:// URLs are supported.`, {
      fix: 'Use a SQLite or PostgreSQL datasource, or install the native schema engine for other databases (see docs/engines-and-clients.md).',
    });
  }
  switch (target.provider) {
    case 'sqlite':
      return new PrismaBetterSqlite3(
        { url: target.filePath },
        shadowDatabaseUrl ? { shadowDatabaseUrl: parseSqliteShadow(shadowDatabaseUrl, baseDir) } : {},
      );
    case 'postgresql': {
      // Prisma URLs name the PostgreSQL schema as ?schema=…; pg itself would ignore it.
      const schema = new URL(target.connectionString).searchParams.get('schema') ?? undefined;
      return postgresAdapterFactory(target.connectionString, schema);
    }
    default:
      return unhandledProvider(target);
  }
}

function parseSqliteShadow(url: string, baseDir: string): string {
  const target = parseDatabaseUrl(url, baseDir);
  return target.provider === 'sqlite' ? target.filePath : url;
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
}

/**
 * DATABASE_URL for the engine to read (drift, baseline's check) through a connection that
 * cannot write: SQLite opened read-only (a file that does not exist yet is read as an empty
 * database, never created); PostgreSQL in read-only sessions, reading `schema`.
 */
export function readOnlyAdapterFactory(target: DatabaseTarget, schema: string | undefined): SqlMigrationAwareDriverAdapterFactory {
  switch (target.provider) {
    case 'sqlite':
      return new PrismaBetterSqlite3(existsSync(target.filePath) ? { url: target.filePath, readonly: true, fileMustExist: true } : { url: ':memory:' });
    case 'postgresql':
      return postgresAdapterFactory(target.connectionString, schema, { readOnly: true });
    default:
      return unhandledProvider(target);
  }
}
