import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { loadPg } from './load-pg.ts';
import { OrchestratorError, errorMessage } from '../errors.ts';
import { classifyDatabaseError, codedError, driverErrorCode } from './classify-database-error.ts';
import { primaryKeyName } from '../ownership/constraint-names.ts';
import { POSTGRES_UNITS_PER_GROUP, UNIT_SAVEPOINT } from './transaction-framing.ts';
import { BatchError, literalNumber, quoteIdentifier, type Database, type BatchOptions, type GroupMode, type LiveForeignKey, type RunAs, type SqlRunner } from './database.ts';
import type { DatabaseTarget } from './database-url.ts';
import { DEFAULT_LOCK_TIMEOUT_SECONDS, type DeployLockOptions } from './deploy-lock-options.ts';
import { describeLockHolders } from './postgres-lock-holders.ts';
import { PostgresPluginRoles } from './postgres-plugin-roles.ts';

/** The first key of the deploy lock (`pg_try_advisory_lock(int, int)`); the second is the schema's. */
const DEPLOY_LOCK_CLASS = 72_605_041; // any constant works, as long as it never changes

/** How often a waiting deploy tries the lock again, and how often it says who holds it. */
const LOCK_POLL_MS = 250;
const LOCK_REPORT_EVERY_MS = 5_000;

/**
 * How often the server checks, during a long statement, that the deploy's connection is still
 * open (PostgreSQL 14+). A deployer killed mid-statement then loses its session, its
 * transaction and its lock within about this long, instead of when the statement ends.
 */
const CLIENT_CHECK_INTERVAL = '1s';

export interface PostgresOptions {
  /** Shown in pg_stat_activity, so a waiting deploy (and an operator) can tell who holds the lock. */
  applicationName: string;
  /** Deploy creates the `?schema=` schema when it is missing; status only reads. */
  createSchema: boolean;
  lock: DeployLockOptions;
}

type PostgresTarget = Extract<DatabaseTarget, { provider: 'postgresql' }>;

/** A transaction group in progress: whether its transaction is open, whether a failure ended it (all-or-nothing), and how many units it holds. */
interface Group {
  mode: GroupMode;
  begun: boolean;
  ended: boolean;
  units: number;
}

/**
 * PostgreSQL through node-postgres, on one connection.
 *
 * Concurrency: deploy holds a session-level advisory lock for its whole run, keyed by the schema
 * it migrates, so replicas that start together queue up and two tenants' schemas deploy in
 * parallel; each re-reads the history after getting the lock and finds nothing left to do.
 * Waiters poll with pg_try_advisory_lock, so while waiting they hold no transaction or snapshot.
 * DDL is transactional in PostgreSQL, so a migration and its history row commit together or not
 * at all. Most of a deploy's time is the client waiting on the server, so a transactional step
 * is sent as one query (`BEGIN; …; COMMIT`, history values inlined as literals).
 */
export class PostgresDatabase implements Database {
  readonly provider = 'postgresql' as const;
  /** Set when the socket closed under us; later failures are reported as a lost connection. */
  private lost: Error | undefined;
  /** The group in progress (withTransactionGroup). */
  private group: Group | undefined;
  /** How many units are running their work: 0 means a statement runs on its own. */
  private depth = 0;
  /** Created on first use: only roles and deploy --manage-roles read the roles catalog. */
  private roles: PostgresPluginRoles | undefined;

  private constructor(
    private readonly client: pg.Client,
    readonly displayUrl: string,
    /** The schema tables, history and lock belong to. */
    readonly schema: string,
    private readonly lock: DeployLockOptions,
  ) {
    // A dropped connection surfaces through the failing query; keep it from crashing the process.
    client.on('error', (error) => {
      this.lost ??= error;
    });
  }

  static async connect(target: PostgresTarget, options: PostgresOptions): Promise<PostgresDatabase> {
    // TCP keepalive: a server host that vanishes mid-statement ends the wait with ETIMEDOUT instead of never.
    const { Client } = await loadPg();
    const client = new Client({ connectionString: target.connectionString, application_name: options.applicationName, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    client.on('error', () => {}); // until the instance's own listener takes over
    let askedForPassword = false;
    for (const event of ['authenticationCleartextPassword', 'authenticationMD5Password', 'authenticationSASL']) {
      client.connection.on(event, () => (askedForPassword = true));
    }
    try {
      await connectWithin(client, target.connectTimeoutMs);
      await setUpSession(client, target, options);
      const schema = target.schema ?? (await client.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
      return new PostgresDatabase(client, target.displayUrl, schema, options.lock);
    } catch (error) {
      // Every failure closes the client: an open socket (a server waiting for a password, say) keeps the process alive.
      await client.end().catch(() => {});
      if (askedForPassword && !client.password) {
        throw new OrchestratorError('DATABASE_AUTH_FAILED', `The server of ${target.displayUrl} asks for a password, and none was given.`, {
          fix: 'Put the password in DATABASE_URL (postgresql://user:password@host:5432/db, percent-encoded), or set PGPASSWORD.',
          cause: error,
        });
      }
      throw error;
    }
  }

  param(n: number): string {
    return `$${n}`;
  }

  timestamp(date: Date): Date {
    return date;
  }

  async query<Row extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<Row[]> {
    try {
      return (await this.client.query<Row>(sql, params)).rows;
    } catch (error) {
      throw this.withCode(error);
    }
  }

  async execute(sql: string, params: unknown[] = []): Promise<void> {
    // Outside any unit of a group, a statement must not run in the group's transaction.
    if (this.depth === 0) await this.commitGroup();
    await this.query(sql, params);
  }

  get pluginRoles(): PostgresPluginRoles {
    this.roles ??= new PostgresPluginRoles({ query: (sql, params) => this.query(sql, params), execute: (sql, params) => this.execute(sql, params), transaction: (work) => this.transaction(work), quoteIdentifier: (name) => this.client.escapeIdentifier(name) }, this.schema);
    return this.roles;
  }

  async executeAs(sql: string, role: string | undefined): Promise<void> {
    if (role === undefined) return this.execute(sql);
    await this.execute(`SET ROLE ${this.client.escapeIdentifier(role)}`);
    try {
      await this.execute(sql);
    } finally {
      await this.query('RESET ROLE').catch(() => {});
    }
  }

  async commitGroup(): Promise<void> {
    if (!this.group?.begun || this.group.ended) return;
    this.group.begun = false;
    this.group.units = 0;
    await this.query('COMMIT');
  }

  literal(value: string | number | Date | null): string {
    if (value === null) return 'NULL';
    if (typeof value === 'number') return literalNumber(value);
    // escapeLiteral doubles quotes and, when there are backslashes, writes an E'' string: safe whatever standard_conforming_strings says.
    return this.client.escapeLiteral(value instanceof Date ? value.toISOString() : value);
  }

  async withDeployLock<T>(work: () => Promise<T>): Promise<T> {
    const keys = deployLockKeys(this.schema);
    await this.acquire(keys);
    try {
      return await work();
    } finally {
      await this.query('SELECT pg_advisory_unlock($1, $2)', keys).catch(() => {});
    }
  }

  /**
   * keep-earlier shares a transaction only among consecutive units that create new objects
   * (`newObjectsOnly`), at most POSTGRES_UNITS_PER_GROUP: a transaction holds every lock it takes
   * until it ends, so a unit touching anything that existed before commits on its own, as soon as
   * it is done. A failing unit is rolled back to its savepoint and the units before it commit.
   */
  async withTransactionGroup<T>(mode: GroupMode, work: () => Promise<T>): Promise<T> {
    if (this.group) throw new Error('withTransactionGroup does not nest');
    const group = (this.group = { mode, begun: false, ended: false, units: 0 });
    try {
      const result = await work();
      await this.commitGroup();
      return result;
    } catch (error) {
      if (mode === 'keep-earlier') await this.commitGroup().catch(() => {});
      else if (group.begun && !group.ended) await this.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      this.group = undefined;
    }
  }

  /**
   * The group a unit joins, or undefined when it runs as a transaction of its own (committing the
   * group's transaction first, so nothing waits on it meanwhile).
   */
  private async groupFor(newObjectsOnly: boolean): Promise<Group | undefined> {
    const group = this.group && !this.group.ended ? this.group : undefined;
    if (!group || group.mode === 'all-or-nothing') return group;
    if (!newObjectsOnly || group.units >= POSTGRES_UNITS_PER_GROUP) await this.commitGroup();
    return newObjectsOnly ? group : undefined;
  }

  async transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const group = await this.groupFor(false);
    const [begin, commit, rollback] = group ? [`SAVEPOINT ${UNIT_SAVEPOINT}`, `RELEASE SAVEPOINT ${UNIT_SAVEPOINT}`, 'ROLLBACK'] : ['BEGIN', 'COMMIT', 'ROLLBACK'];
    if (group && !group.begun) {
      await this.query('BEGIN');
      group.begun = true;
    }
    await this.query(begin);
    this.depth++;
    try {
      const result = await work(this);
      await this.query(commit);
      return result;
    } catch (error) {
      await this.query(rollback).catch(() => {});
      if (group) group.ended = true;
      throw error;
    } finally {
      this.depth--;
    }
  }

  /**
   * Two round trips: `BEGIN; <statements>` as one query, then `COMMIT` (in a group: a savepoint
   * released in the same query, the group commits at its end). The simple
   * protocol runs a multi-statement string and stops at the first error; which statement that
   * was is found by running them again one by one in a transaction that is always rolled back.
   * The guard is skipped: the advisory lock is held from before the history was read.
   */
  async runBatch(original: string[], _guard?: unknown, options: BatchOptions = {}): Promise<boolean> {
    const group = await this.groupFor(options.newObjectsOnly === true);
    const { statements, originalIndex } = this.withRole(original, options.runAs);
    // The `;` on its own line: a statement may end in a `-- comment`, which would swallow it.
    const body = statements.map((sql) => `${sql}\n;\n`).join('');
    const text = group ? `${group.begun ? '' : 'BEGIN;\n'}SAVEPOINT ${UNIT_SAVEPOINT};\n${body}RELEASE SAVEPOINT ${UNIT_SAVEPOINT};` : `BEGIN;\n${body}`;
    try {
      await this.query(text);
      if (group) {
        group.begun = true;
        group.units++;
      }
      // COMMIT travels on its own, from a client still alive to send it: a deploy killed while its
      // step waits (on a lock, say) must leave that step unapplied, even if the server notices
      // the lost client only after the step could finish.
      else await this.query('COMMIT');
      return true;
    } catch (error) {
      // A lost connection or a lock wait says nothing about a statement: do not wait for it twice.
      // A missing privilege does (a plugin's role refused a statement), and is quick to find again.
      const locate = !this.lost && (!classifyDatabaseError(error, { displayUrl: this.displayUrl }) || driverErrorCode(error) === '42501');
      let index: number | undefined;
      if (group?.mode === 'keep-earlier') {
        // The group's earlier units stay and commit later; this unit is undone back to its savepoint.
        group.begun = true; // this query may have opened the transaction
        try {
          await this.query(`ROLLBACK TO SAVEPOINT ${UNIT_SAVEPOINT}`);
        } catch {
          group.ended = true; // the transaction is gone (a lost connection): nothing of it is left to commit
          throw error;
        }
        if (locate) index = await this.findFailingStatement(statements, [], [`ROLLBACK TO SAVEPOINT ${UNIT_SAVEPOINT}`, `RELEASE SAVEPOINT ${UNIT_SAVEPOINT}`]).catch(() => undefined);
        else await this.query(`RELEASE SAVEPOINT ${UNIT_SAVEPOINT}`).catch(() => {});
      } else if (group) {
        // The group's earlier units stay in place while the statements run again from the savepoint.
        group.ended = true;
        if (locate) index = await this.findFailingStatement(statements, [`ROLLBACK TO SAVEPOINT ${UNIT_SAVEPOINT}`], ['ROLLBACK']).catch(() => undefined);
        await this.query('ROLLBACK').catch(() => {});
      } else {
        // A failed multi-statement query leaves its transaction open and aborted.
        await this.query('ROLLBACK').catch(() => {});
        if (locate) index = await this.findFailingStatement(statements, ['BEGIN'], ['ROLLBACK']).catch(() => undefined);
      }
      if (!locate) throw error;
      throw new BatchError(index === undefined ? undefined : originalIndex[index], error);
    }
  }

  /**
   * The statements with `SET LOCAL ROLE` before the range that runs as a plugin's role and
   * `RESET ROLE` after it (the history row is written as the connected user), and for each the
   * index in the caller's list (the role statements count as the range's first and last).
   */
  private withRole(statements: string[], runAs: RunAs | undefined): { statements: string[]; originalIndex: number[] } {
    const identity = statements.map((_, index) => index);
    if (!runAs) return { statements, originalIndex: identity };
    return {
      statements: [...statements.slice(0, runAs.from), `SET LOCAL ROLE ${this.client.escapeIdentifier(runAs.role)}`, ...statements.slice(runAs.from, runAs.to), 'RESET ROLE', ...statements.slice(runAs.to)],
      originalIndex: [...identity.slice(0, runAs.from), runAs.from, ...identity.slice(runAs.from, runAs.to), Math.max(runAs.to - 1, runAs.from), ...identity.slice(runAs.to)],
    };
  }

  /**
   * Runs the statements again one by one after `start`, then undoes them with `undo`: the first
   * that fails is the culprit. None: it was the commit (a deferred constraint).
   */
  private async findFailingStatement(statements: string[], start: string[], undo: string[]): Promise<number | undefined> {
    for (const sql of start) await this.query(sql);
    try {
      for (const [index, sql] of statements.entries()) {
        try {
          await this.query(sql);
        } catch {
          return index;
        }
      }
      return undefined;
    } finally {
      for (const sql of undo) await this.query(sql).catch(() => {});
    }
  }

  /**
   * From pg_class, not information_schema: the latter hides tables the role has no privilege on,
   * which would make an unreadable history look like "nothing applied" instead of an error.
   */
  async listTables(): Promise<string[]> {
    const rows = await this.query<{ name: string }>(
      "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') ORDER BY c.relname",
      [this.schema],
    );
    return rows.map((row) => row.name);
  }

  async listEnums(): Promise<string[]> {
    const rows = await this.query<{ name: string }>(
      "SELECT t.typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = $1 AND t.typtype = 'e' ORDER BY t.typname",
      [this.schema],
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

  async listForeignKeys(): Promise<LiveForeignKey[]> {
    return this.query<{ table: string; name: string; references: string } & Record<string, unknown>>(
      `SELECT CASE WHEN tn.nspname = $1 THEN t.relname ELSE tn.nspname || '.' || t.relname END AS "table", c.conname AS name, r.relname AS "references"
         FROM pg_constraint c
         JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
         JOIN pg_class r ON r.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = r.relnamespace
        WHERE c.contype = 'f' AND rn.nspname = $1 ORDER BY 1, 2`,
      [this.schema],
    );
  }

  /** One DROP TABLE for all of them: PostgreSQL then accepts foreign keys between them without CASCADE (which would reach beyond them). */
  dropObjectsSql(objects: { tables: string[]; enums: string[] }): string[] {
    const names = (list: string[]) => list.map((name) => `${quoteIdentifier(this.schema)}.${quoteIdentifier(name)}`).join(', ');
    return [...(objects.tables.length > 0 ? [`DROP TABLE ${names(objects.tables)}`] : []), ...(objects.enums.length > 0 ? [`DROP TYPE ${names(objects.enums)}`] : [])];
  }

  /** The primary key's index was named after the table (`<table>_pkey`, cut as PostgreSQL cuts it): it moves too, so the old name is free again. */
  renameTableSql(from: string, to: string): string[] {
    const schema = quoteIdentifier(this.schema);
    return [
      `ALTER TABLE ${schema}.${quoteIdentifier(from)} RENAME TO ${quoteIdentifier(to)}`,
      `ALTER INDEX IF EXISTS ${schema}.${quoteIdentifier(primaryKeyName(from, 'postgresql'))} RENAME TO ${quoteIdentifier(primaryKeyName(to, 'postgresql'))}`,
    ];
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }

  /** Polls the lock: each try is its own short statement, so a waiter holds no snapshot and no transaction. */
  private async acquire(keys: [number, number]): Promise<void> {
    const started = Date.now();
    const timeoutMs = this.lock.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_SECONDS * 1000;
    let nextReport = 0; // the first report comes at once, then every few seconds
    for (;;) {
      const [row] = await this.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', keys);
      if (row?.locked) return;
      const waited = Date.now() - started;
      if (waited >= timeoutMs) {
        const holders = await describeLockHolders(this, keys);
        throw new OrchestratorError('LOCK_TIMEOUT', `Another deploy holds the deploy lock of schema "${this.schema}" on ${this.displayUrl}; gave up after ${Math.round(waited / 1000)} s.\nHeld by ${holders}.`, {
          fix: 'Retry when that deploy is done (the container entrypoint retries exit code 3 by itself), or wait longer with --lock-timeout <seconds> or ORCHESTRATOR_LOCK_TIMEOUT. A holder that hangs can be ended with SELECT pg_terminate_backend(<pid>).',
        });
      }
      if (waited >= nextReport && this.lock.onWait) {
        nextReport = waited + LOCK_REPORT_EVERY_MS;
        this.lock.onWait(`Waiting for the deploy lock of schema "${this.schema}" (${Math.round(waited / 1000)} s of ${Math.round(timeoutMs / 1000)} s): held by ${await describeLockHolders(this, keys)}.`);
      }
      // Jitter keeps many waiting replicas from polling in step.
      await sleep(Math.min(LOCK_POLL_MS + Math.random() * LOCK_POLL_MS, Math.max(timeoutMs - waited, 0)));
    }
  }

  /**
   * node-postgres reports a socket that closed under a session without a code ("Connection
   * terminated unexpectedly"); give it 08006, connection_failure, so it is classified as lost.
   */
  private withCode(error: unknown): unknown {
    if (this.lost && driverErrorCode(error) === undefined) return codedError('08006', `the connection closed: ${this.lost.message}`, error);
    return error;
  }
}

/** The two keys of the deploy lock for one schema: deploys to the same schema wait for each other, others do not. */
export function deployLockKeys(schema: string): [number, number] {
  return [DEPLOY_LOCK_CLASS, createHash('sha256').update(schema).digest().readUInt32BE(0) & 0x7fff_ffff];
}

/**
 * node-postgres's own connect timeout fails without a code; this one fails with ETIMEDOUT. A
 * socket closed during start-up (a proxy with no server behind it, say) gets 08006 as well.
 */
async function connectWithin(client: pg.Client, timeoutMs: number): Promise<void> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    client.connection.stream.destroy();
  }, timeoutMs);
  try {
    await client.connect();
  } catch (error) {
    if (timedOut) throw codedError('ETIMEDOUT', `no answer within ${timeoutMs / 1000} s (connect_timeout in DATABASE_URL, or ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS)`, error);
    if (driverErrorCode(error) === undefined) throw codedError('08006', `the server closed the connection during start-up: ${errorMessage(error)}`, error);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

async function setUpSession(client: pg.Client, target: PostgresTarget, options: PostgresOptions): Promise<void> {
  try {
    await client.query(`SET client_connection_check_interval = '${CLIENT_CHECK_INTERVAL}'`);
  } catch (error) {
    if (driverErrorCode(error) !== '42704') throw error; // undefined_object: a server older than 14 lacks the setting
  }
  if (target.schema === undefined) return;
  const exists = async () => (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema])).rowCount! > 0;
  if (options.createSchema && !(await exists())) {
    // Checked first: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists.
    await client.query(`CREATE SCHEMA ${client.escapeIdentifier(target.schema)}`).catch(async (error: unknown) => {
      if (!(await exists())) throw error; // another deploy may have created it meanwhile
    });
  }
  await client.query(`SET search_path TO ${client.escapeIdentifier(target.schema)}`);
}
