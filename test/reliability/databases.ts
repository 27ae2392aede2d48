import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { execa } from 'execa';
import pg from 'pg';
import type { Provider } from '../../orchestrator/config/provider.ts';
import { POSTGRES_ADMIN_URL, withClient, withSqliteFile } from '../support/test-databases.ts';

export type SqliteJournal = 'wal' | 'delete';

/**
 * A real database a check owns: a SQLite file in a temp folder, or a database of its own on the
 * PostgreSQL server. Read without the orchestrator, so a check never trusts what it tests.
 */
export interface SuiteDatabase {
  provider: Provider;
  url: string;
  query<Row = Record<string, unknown>>(sql: string): Promise<Row[]>;
  tables(): Promise<string[]>;
  columns(table: string): Promise<string[]>;
  /**
   * What "byte-identical" compares: the SQLite file's bytes (a hash, plus any journal/WAL
   * left beside it), or PostgreSQL's pg_dump of the database.
   */
  dump(): Promise<string>;
  /** An independent copy with the same content (file copy, or CREATE DATABASE … TEMPLATE). */
  clone(): Promise<SuiteDatabase>;
  /** Back to empty, faster than drop and create (PostgreSQL's CREATE DATABASE takes ~0.4 s). */
  reset(): Promise<void>;
  drop(): Promise<void>;
}

export function createDatabase(provider: Provider, journal: SqliteJournal = 'delete'): Promise<SuiteDatabase> {
  return provider === 'sqlite' ? Promise.resolve(createSqlite(journal)) : createPostgres();
}

function createSqlite(journal: SqliteJournal, copyOf?: string): SuiteDatabase {
  const dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-reliability-db-'));
  const file = path.join(dir, 'app.db');
  if (copyOf) copyFileSync(copyOf, file);
  else {
    // Created up front so the journal mode is the file's own (WAL persists in the file header).
    const db = new BetterSqlite3(file);
    db.pragma(`journal_mode = ${journal}`);
    db.close();
  }
  const withDb = <T>(work: (db: BetterSqlite3.Database) => T): T => withSqliteFile(file, work);
  const self: SuiteDatabase = {
    provider: 'sqlite',
    url: `file:${file}`,
    query: async <Row>(sql: string) =>
      withDb((db) => {
        const statement = db.prepare(sql);
        if (statement.reader) return statement.all() as Row[];
        statement.run();
        return [];
      }),
    tables: async () => withDb((db) => (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name)),
    columns: async (table) => withDb((db) => (db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(table) as { name: string }[]).map((r) => r.name)),
    dump: async () => {
      const parts = [`app.db ${sha256(readFileSync(file))}`];
      for (const extra of ['-wal', '-journal']) if (existsSync(file + extra)) parts.push(`app.db${extra} ${sha256(readFileSync(file + extra))}`);
      return parts.join('\n');
    },
    clone: async () => createSqlite(journal, file),
    reset: async () => {
      for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
      const db = new BetterSqlite3(file);
      db.pragma(`journal_mode = ${journal}`);
      db.close();
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
  return self;
}

async function createPostgres(template?: string): Promise<SuiteDatabase> {
  const name = `orch_rel_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  const query = async <Row>(sql: string) => withClient(url.toString(), async (client) => (await client.query(sql)).rows as Row[]);
  return {
    provider: 'postgresql',
    url: url.toString(),
    query,
    tables: async () => (await query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name")).map((r) => r.name),
    columns: async (table) =>
      (await query<{ name: string }>(`SELECT column_name AS name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '${table.replace(/'/g, "''")}' ORDER BY ordinal_position`)).map((r) => r.name),
    dump: async () => {
      const result = await execa('pg_dump', ['--no-owner', '--no-privileges', url.toString()], { reject: false, stripFinalNewline: false });
      if (result.exitCode !== 0) throw new Error(`pg_dump failed: ${String(result.stderr)}`);
      // Newer pg_dump versions frame the script with a random \restrict key: not content.
      return String(result.stdout).split('\n').filter((line) => !line.startsWith('\\restrict') && !line.startsWith('\\unrestrict')).join('\n');
    },
    clone: () => createPostgres(name),
    reset: () => query('DROP SCHEMA public CASCADE; CREATE SCHEMA public').then(() => {}),
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).then(() => {}),
  };
}

/** The first line where two dumps differ, to say what changed without printing whole dumps. */
export function firstDifference(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `line ${i + 1}: ${JSON.stringify((a[i] ?? '(end)').slice(0, 100))} → ${JSON.stringify((b[i] ?? '(end)').slice(0, 100))}`;
  }
  return 'identical';
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function adminQuery(sql: string): Promise<pg.QueryResult> {
  return withClient(POSTGRES_ADMIN_URL, (client) => client.query(sql));
}

export { withClient };
