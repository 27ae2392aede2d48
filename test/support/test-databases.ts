import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Provider } from '../../orchestrator/config/provider.ts';

/** The PostgreSQL server the tests use; each test gets a database of its own on it. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A real, empty database for one test, and a way to look inside it without the orchestrator. */
export interface TestDatabase {
  provider: Provider;
  url: string;
  tables(): Promise<string[]>;
  query<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export const PROVIDERS_UNDER_TEST: Provider[] = ['sqlite', 'postgresql'];

export async function createTestDatabase(provider: Provider): Promise<TestDatabase> {
  return provider === 'sqlite' ? createSqlite() : createPostgres();
}

/** Opens the SQLite file for one piece of work and closes it again, so the CLI under test never waits on the test's own connection. */
export function withSqliteFile<T>(file: string, work: (db: BetterSqlite3.Database) => T): T {
  const db = new BetterSqlite3(file);
  try {
    return work(db);
  } finally {
    db.close();
  }
}

function createSqlite(): TestDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-db-'));
  const file = path.join(dir, 'test.db');
  const withDb = <T>(work: (db: BetterSqlite3.Database) => T): T => withSqliteFile(file, work);
  return {
    provider: 'sqlite',
    url: `file:${file}`,
    tables: async () =>
      withDb((db) => (db.prepare("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name)),
    query: async <Row>(sql: string) => withDb((db) => db.prepare(sql).all() as Row[]),
    exec: async (sql: string) => withDb((db) => void db.exec(sql)),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const name = `orch_test_${randomBytes(6).toString('hex')}`;
  await withClient(POSTGRES_ADMIN_URL, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const query = <Row>(sql: string) => withClient(url.toString(), async (client) => (await client.query(sql)).rows as Row[]);
  return {
    provider: 'postgresql',
    url: url.toString(),
    tables: async () =>
      (await query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema='public' AND table_type='BASE TABLE' ORDER BY table_name")).map((r) => r.name),
    query,
    exec: async (sql: string) => void (await query(sql)),
    drop: () => withClient(POSTGRES_ADMIN_URL, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}

/** One connection for one piece of work, always closed. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
