import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { Project } from '../config/load-project.ts';
import { unhandledProvider } from '../config/provider.ts';
import { parseDatabaseUrl } from '../database/database-url.ts';
import type { ScratchDatabaseSource } from '../engine/diff-engine.ts';
import { disposable } from '../engine/disposable-adapter.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';

/** One empty space in a scratch database, for replaying one plugin's migrations (and its dependencies'). */
export interface ScratchSpace {
  readonly source: ScratchDatabaseSource;
  /** Runs one statement; rejects with the database's own error. */
  execute(sql: string): Promise<void>;
  /** Names of the tables and enums the space holds now (enums: PostgreSQL only). */
  listObjects(): Promise<{ tables: string[]; enums: string[] }>;
  /** Drops everything the replay created. */
  release(): Promise<void>;
}

/**
 * Where generate replays hand-written migrations to learn the schema they leave behind: never
 * DATABASE_URL. SQLite: a temporary file per space. PostgreSQL: a temporary schema per space,
 * in SHADOW_DATABASE_URL when set, else in an embedded PostgreSQL (PGlite) started once per run.
 */
export interface ScratchDatabase {
  /** For messages: "a temporary SQLite file", "SHADOW_DATABASE_URL (postgresql://…)", … */
  readonly description: string;
  /** Added to the fix when a replayed statement fails: what to try if the SQL itself is right. */
  readonly replayHint?: string;
  space(): Promise<ScratchSpace>;
  close(): Promise<void>;
}

export function openScratchDatabase(project: Project): ScratchDatabase {
  switch (project.provider) {
    case 'sqlite':
      return new SqliteScratch();
    case 'postgresql':
      return project.shadowDatabaseUrl ? new ShadowPostgresScratch(project, project.shadowDatabaseUrl) : new PgliteScratch();
    default:
      return unhandledProvider(project.provider);
  }
}

const SQLITE_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'";

/** Tables and enums of one schema; `query` runs a statement with the schema as $1. */
async function postgresObjects(query: (sql: string) => Promise<{ name: string }[]>): Promise<{ tables: string[]; enums: string[] }> {
  const tables = await query('SELECT tablename AS name FROM pg_tables WHERE schemaname = $1');
  const enums = await query("SELECT t.typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e'");
  return { tables: tables.map((row) => row.name), enums: enums.map((row) => row.name) };
}

class SqliteScratch implements ScratchDatabase {
  readonly description = 'a temporary SQLite file';

  async space(): Promise<ScratchSpace> {
    const [{ default: BetterSqlite3 }, { PrismaBetterSqlite3 }] = await Promise.all([import('better-sqlite3'), import('@prisma/adapter-better-sqlite3')]);
    // A file, not :memory:, because the engine's adapter opens a connection of its own.
    const dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-scratch-'));
    const file = path.join(dir, 'scratch.db');
    const db = new BetterSqlite3(file);
    const adapter = disposable(new PrismaBetterSqlite3({ url: file }));
    return {
      source: { adapter },
      execute: async (sql) => void db.exec(sql),
      listObjects: async () => ({
        tables: (db.prepare(SQLITE_TABLES).all() as { name: string }[]).map((row) => row.name),
        enums: [],
      }),
      release: async () => {
        await adapter.disposeAll();
        db.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  async close(): Promise<void> {}
}

/**
 * A temporary schema per space in the user's scratch database, dropped afterwards: nothing
 * else in that database is read or changed, and generates running at once do not collide.
 * Migrations are replayed with that schema first on the search_path, so their unqualified
 * names land there.
 */
class ShadowPostgresScratch implements ScratchDatabase {
  readonly description: string;
  private readonly connectionString: string;

  constructor(project: Project, url: string) {
    const target = parseDatabaseUrl(url, project.root);
    if (target.provider !== 'postgresql') {
      throw new OrchestratorError('CONFIG_INVALID', `SHADOW_DATABASE_URL "${target.displayUrl}" is not a PostgreSQL URL, but the project's provider is postgresql.`, {
        fix: 'Set SHADOW_DATABASE_URL to postgresql://user:password@host:5432/<scratch database>, or unset it to use an embedded PostgreSQL (PGlite).',
      });
    }
    if (sameDatabase(url, project.databaseUrl)) {
      throw new OrchestratorError('CONFIG_INVALID', `SHADOW_DATABASE_URL names the same database as DATABASE_URL (${target.displayUrl}); generate never works in the application's database.`, {
        fix: 'Point SHADOW_DATABASE_URL at a separate scratch database (CREATE DATABASE app_shadow), or unset it to use an embedded PostgreSQL (PGlite).',
      });
    }
    this.connectionString = target.connectionString;
    this.description = `SHADOW_DATABASE_URL (${target.displayUrl})`;
  }

  async space(): Promise<ScratchSpace> {
    const { default: pg } = await import('pg');
    const { postgresAdapterFactory } = await import('../engine/postgres-char-adapter.ts');
    const schema = `orchestrator_scratch_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: this.connectionString, connectionTimeoutMillis: 10_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query(`CREATE SCHEMA "${schema}"`);
      await client.query(`SET search_path TO "${schema}", public`);
    } catch (error) {
      await client.end().catch(() => {});
      throw new OrchestratorError('SNAPSHOT_MISSING', `Cannot use ${this.description} as a scratch database: ${errorMessage(error)}`, {
        fix: 'Check that the server is running and that SHADOW_DATABASE_URL names a database where its user may CREATE SCHEMA; or unset it to use an embedded PostgreSQL (PGlite).',
        cause: error,
      });
    }
    const adapter = disposable(postgresAdapterFactory(this.connectionString, schema));
    return {
      source: { adapter, namespace: schema },
      execute: async (sql) => void (await client.query(sql)),
      listObjects: async () => postgresObjects(async (sql) => (await client.query<{ name: string }>(sql, [schema])).rows),
      release: async () => {
        try {
          await adapter.disposeAll();
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end().catch(() => {});
        }
      },
    };
  }

  async close(): Promise<void> {}
}

/** PostgreSQL compiled to WebAssembly, in this process: seconds to start, so started once per run (see start-pglite.ts). */
class PgliteScratch implements ScratchDatabase {
  readonly description = 'an embedded PostgreSQL (PGlite)';
  readonly replayHint =
    'If the migration runs on your PostgreSQL server but not in PGlite (an extension PGlite lacks, say), set SHADOW_DATABASE_URL to an empty scratch database on a real server (CREATE DATABASE app_shadow) and run generate again.';
  private started: Promise<import('@electric-sql/pglite').PGlite> | undefined;

  async space(): Promise<ScratchSpace> {
    const pglite = await this.start();
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    const schema = `orchestrator_scratch_${randomBytes(6).toString('hex')}`;
    // pg.exec, not the adapter's executeScript: that one neither awaits nor reports failures.
    await pglite.exec(`CREATE SCHEMA "${schema}"; SET search_path TO "${schema}", public;`);
    const adapter = disposable(withSchemaName(new PrismaPGlite(pglite), schema));
    return {
      source: { adapter, namespace: schema },
      execute: async (sql) => void (await pglite.exec(sql)),
      listObjects: async () => postgresObjects(async (sql) => (await pglite.query<{ name: string }>(sql, [schema])).rows),
      release: async () => {
        await adapter.disposeAll();
        await pglite.exec(`DROP SCHEMA IF EXISTS "${schema}" CASCADE; SET search_path TO public;`);
      },
    };
  }

  async close(): Promise<void> {
    if (this.started) await (await this.started.catch(() => undefined))?.close();
    this.started = undefined;
  }

  private start(): Promise<import('@electric-sql/pglite').PGlite> {
    this.started ??= (async () => {
      try {
        const { startPglite } = await import('./start-pglite.ts');
        return await startPglite();
      } catch (error) {
        throw new OrchestratorError('SNAPSHOT_MISSING', `The embedded PostgreSQL (PGlite) that generate replays migrations into could not start: ${errorMessage(error)}`, {
          fix: 'Create an empty scratch database (CREATE DATABASE app_shadow) and set SHADOW_DATABASE_URL=postgresql://user:password@host:5432/app_shadow, then run generate again; it creates and drops a temporary schema there.',
          cause: error,
        });
      }
    })();
    return this.started;
  }
}

/** PGlite's adapter does not say which schema it works in; the engine must read the scratch schema. */
function withSchemaName(factory: SqlMigrationAwareDriverAdapterFactory, schemaName: string): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const adapter = await factory.connect();
      const info = adapter.getConnectionInfo?.bind(adapter);
      return Object.assign(adapter, { getConnectionInfo: () => ({ supportsRelationJoins: true, ...info?.(), schemaName }) });
    },
    connectToShadowDb: () => factory.connectToShadowDb(),
  };
}

/** Host, port and database name compared: credentials or options may be spelled differently. */
function sameDatabase(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const key = (url: URL) => `${url.hostname}:${url.port || '5432'}${url.pathname}`;
    return key(x) === key(y);
  } catch {
    return a === b;
  }
}
