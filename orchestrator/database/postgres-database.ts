import pg from 'pg';
import type { Database, SqlRunner } from './database.ts';

/** One fixed key for `pg_advisory_lock`, so every orchestrator process contends for the same lock. */
const DEPLOY_LOCK_KEY = 72_605_041; // any constant works, as long as it never changes

/**
 * PostgreSQL through node-postgres, on one connection.
 *
 * Concurrency: deploy holds a session-level advisory lock for its whole run, so replicas that
 * start together queue up; each re-reads the history after getting the lock and finds nothing
 * left to do. DDL is transactional in PostgreSQL, so a migration and its history row commit
 * together or not at all.
 */
export class PostgresDatabase implements Database {
  readonly provider = 'postgresql' as const;

  private constructor(
    private readonly client: pg.Client,
    readonly displayUrl: string,
  ) {}

  static async connect(connectionString: string, displayUrl: string): Promise<PostgresDatabase> {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
    // A dropped connection mid-deploy surfaces through the failing query; keep it from crashing the process.
    client.on('error', () => {});
    await client.connect();
    return new PostgresDatabase(client, displayUrl);
  }

  param(n: number): string {
    return `$${n}`;
  }

  timestamp(date: Date): Date {
    return date;
  }

  async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.client.query<Row>(sql, params)).rows;
  }

  async execute(sql: string, params: unknown[] = []): Promise<void> {
    await this.client.query(sql, params);
  }

  async withDeployLock<T>(work: () => Promise<T>): Promise<T> {
    await this.client.query('SELECT pg_advisory_lock($1)', [DEPLOY_LOCK_KEY]);
    try {
      return await work();
    } finally {
      await this.client.query('SELECT pg_advisory_unlock($1)', [DEPLOY_LOCK_KEY]).catch(() => {});
    }
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const result = await work(this);
      await this.client.query('COMMIT');
      return result;
    } catch (error) {
      await this.client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  async listTables(): Promise<string[]> {
    const rows = await this.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
    );
    return rows.map((row) => row.name);
  }

  async listIndexTables(): Promise<Map<string, string>> {
    const rows = await this.query<{ index: string; table: string }>(
      `SELECT i.relname AS "index", t.relname AS "table"
         FROM pg_index x
         JOIN pg_class i ON i.oid = x.indexrelid
         JOIN pg_class t ON t.oid = x.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema()`,
    );
    return new Map(rows.map((row) => [row.index, row.table]));
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }
}
