import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { DiffParams, DiffTarget } from '@prisma/schema-engine-wasm';
import { isProvider, type Provider } from '../config/provider.ts';
import { parseDatabaseUrl } from '../database/database-url.ts';
import { errorMessage } from '../errors.ts';
import { lastEnginePanic, loadWasmSchemaEngine, type WasmSchemaEngine } from './load-wasm-engine.ts';
import { offlineAdapterFactory } from './offline-adapter.ts';

/**
 * A stand-in for Prisma's native `schema-engine` executable, serving the same JSON-RPC protocol
 * over stdio from the WebAssembly build of the same engine, so the official CLI runs where the
 * native binary cannot be downloaded. Protocol (see shared/notes/prisma-engine-facts.md): one
 * JSON object per line; the engine prints output by sending the CLI a `print` request and
 * waiting for its answer; logs go to stderr as JSON lines, which the CLI reads for error text.
 */
export async function runSchemaEngineServer(argv: string[]): Promise<void> {
  // Only JSON-RPC may reach stdout: a stray console.log would corrupt the protocol.
  console.log = console.info = (...values: unknown[]) => console.error(...values);
  let args: EngineArgs;
  try {
    args = parseEngineArgs(argv);
  } catch (error) {
    return exitAfterLogging(errorMessage(error), 1);
  }
  if (args.cliCommand) process.exit(await runCliCommand(args));
  const server = new SchemaEngineServer(args);
  process.on('uncaughtException', (error) => server.crash(error)).on('unhandledRejection', (error) => server.crash(error));
  process.exit(await server.serve());
}

interface EngineArgs {
  datamodels: string[];
  datasource: { url?: string; shadowDatabaseUrl?: string } | undefined;
  /** `schema-engine --datasource … cli <command>`: one-shot commands such as can-connect-to-database. */
  cliCommand: string | undefined;
}

function parseEngineArgs(argv: string[]): EngineArgs {
  const args: EngineArgs = { datamodels: [], datasource: undefined, cliCommand: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`Missing value after ${arg}.`);
      return next;
    };
    if (arg === '--datamodels' || arg === '-d') args.datamodels.push(value());
    else if (arg === '--datasource') {
      const json = value();
      try {
        args.datasource = JSON.parse(json) as EngineArgs['datasource'];
      } catch (error) {
        throw new Error(`--datasource is not valid JSON: ${errorMessage(error)}`);
      }
    } else if (arg === '--enabled-preview-features' || arg === '--extension-types') value();
    else if (arg === 'cli') args.cliCommand = value();
  }
  return args;
}

interface RpcMessage {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/** Engine methods the CLI may call that the wasm engine implements under the same name. */
const PASS_THROUGH = new Set([
  'applyMigrations',
  'createMigration',
  'dbExecute',
  'devDiagnostic',
  'diagnoseMigrationHistory',
  'ensureConnectionValidity',
  'evaluateDataLoss',
  'introspect',
  'introspectSql',
  'markMigrationApplied',
  'markMigrationRolledBack',
  'reset',
  'schemaPush',
]);

/** Targets of `diff` that need a live database (a shadow one, for migrations). */
const LIVE_TARGETS = new Set(['schemaDatasource', 'url', 'migrations']);

class SchemaEngineServer {
  private readonly engines = new Map<string, Promise<WasmSchemaEngine>>();
  private readonly awaitingAnswer = new Map<number | string | null, () => void>();
  private nextOwnId = 1;
  private queue: Promise<void> = Promise.resolve();
  private current: RpcMessage | undefined;
  private broken: { message: string; panic: boolean } | undefined;

  constructor(private readonly args: EngineArgs) {}

  /**
   * Serves requests one at a time, as the native engine does, until the CLI closes stdin.
   * Resolves to the exit code.
   */
  serve(): Promise<number> {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    lines.on('line', (line) => {
      if (line.trim() === '') return;
      let message: RpcMessage;
      try {
        message = JSON.parse(line) as RpcMessage;
      } catch {
        this.send({ jsonrpc: '2.0', id: null, error: { code: -32700, message: `Parse error: ${line.slice(0, 200)}` } });
        return;
      }
      if (message.method === undefined) {
        // The CLI's answer to one of our `print` requests.
        this.awaitingAnswer.get(message.id ?? null)?.();
        this.awaitingAnswer.delete(message.id ?? null);
      } else if (this.broken) {
        this.answerError(message, this.broken);
      } else {
        this.queue = this.queue.then(() => this.handle(message));
      }
    });
    return new Promise((resolve) =>
      lines.on('close', () => {
        // The CLI is gone: nobody will answer a pending print, so stop waiting for one.
        for (const answer of this.awaitingAnswer.values()) answer();
        this.awaitingAnswer.clear();
        // A crashed engine may never settle its last request; 101 is the native panic code.
        if (this.broken) resolve(this.broken.panic ? 101 : 1);
        else void this.queue.then(() => resolve(0));
      }),
    );
  }

  /**
   * An error thrown outside any await chain, such as a wasm panic inside the engine's own async
   * work. The wasm instance cannot be trusted after it, so the request in flight and every later
   * one get the error as their answer (the CLI prints it as it would the native engine's).
   */
  crash(error: unknown): void {
    const panic = lastEnginePanic !== undefined;
    this.broken = { message: panic ? `The schema engine panicked: ${lastEnginePanic}` : errorMessage(error), panic };
    if (this.current) this.answerError(this.current, this.broken);
    else void exitAfterLogging(this.broken.message, panic ? 101 : 1);
  }

  private async handle(request: RpcMessage): Promise<void> {
    const panicBefore = lastEnginePanic;
    this.current = request;
    // After a crash the request was answered already: a late settlement must not answer twice.
    const stillOpen = () => this.current === request && request.id !== undefined;
    try {
      const result = await this.dispatch(request.method!, request.params);
      if (stillOpen()) this.send({ jsonrpc: '2.0', id: request.id, result: result ?? {} });
    } catch (error) {
      const panic = error instanceof WebAssembly.RuntimeError || lastEnginePanic !== panicBefore;
      if (panic) this.broken = { message: lastEnginePanic ?? errorMessage(error), panic };
      if (stillOpen()) this.send({ jsonrpc: '2.0', id: request.id, error: rpcError(error, panic ? this.broken!.message : undefined) });
    } finally {
      if (this.current === request) this.current = undefined;
    }
  }

  private answerError(request: RpcMessage, broken: { message: string; panic: boolean }): void {
    if (request.id === undefined) return;
    this.send({ jsonrpc: '2.0', id: request.id, error: rpcError(new Error(broken.message), broken.panic ? broken.message : undefined) });
    if (request === this.current) this.current = undefined;
  }

  private async dispatch(method: string, params: unknown): Promise<unknown> {
    switch (method) {
      case 'diff':
        return this.diff(params as DiffParams);
      case 'getDatabaseVersion':
        return (await this.engine(this.liveKey())).version();
      case 'debugPanic':
        return (await this.engine(this.liveKeyOrOffline())).debugPanic();
      default: {
        if (!PASS_THROUGH.has(method)) throw new MethodNotFound(method);
        const engine = (await this.engine(this.liveKey())) as unknown as Record<string, (input: unknown) => Promise<unknown>>;
        return engine[method]!.call(engine, rewriteUrlDatasource(method, params, this.args));
      }
    }
  }

  /**
   * `prisma migrate diff`: schema-to-schema diffs run on the offline adapter (no database is
   * touched); a live target (`--from/--to-config-datasource`, migrations, a URL) gets a real one.
   */
  private async diff(params: DiffParams): Promise<{ exitCode: number }> {
    const targets = [params.from, params.to];
    const urls = targets.flatMap((target) => (target.tag === 'url' ? [target.url] : []));
    const live = targets.some((target) => LIVE_TARGETS.has(target.tag));
    let key: string;
    if (urls.length > 0) {
      if (new Set(urls).size > 1) throw new Error('The WebAssembly schema engine diffs one live database at a time; compare two databases with two diffs against a schema.');
      key = `live:${urls[0]}`;
    } else key = live ? this.liveKey() : `offline:${this.providerOf(targets)}`;
    const engine = await this.engine(key);
    const result = await engine.diff({ ...params, from: urlToDatasource(params.from), to: urlToDatasource(params.to) });
    // The native engine prints the script through the CLI rather than returning it.
    if (result.stdout !== null && result.stdout !== undefined) await this.print(result.stdout);
    return { exitCode: result.exitCode };
  }

  private print(content: string): Promise<void> {
    const id = this.nextOwnId++;
    return new Promise((resolve) => {
      this.awaitingAnswer.set(id, resolve);
      this.send({ jsonrpc: '2.0', id, method: 'print', params: { content } });
    });
  }

  private liveKey(): string {
    const url = this.args.datasource?.url;
    if (!url) throw new Error('This command needs a database, but no datasource URL was given. Set datasource.url in prisma.config.ts.');
    return `live:${url}`;
  }

  private liveKeyOrOffline(): string {
    return this.args.datasource?.url ? this.liveKey() : `offline:${this.providerOf([])}`;
  }

  /** The provider of a schema-only diff: from its schema files, else the engine's --datamodels, else the URL. */
  private providerOf(targets: DiffTarget[]): Provider {
    const schemas = targets.flatMap((target) => ('files' in target ? target.files.map((file) => file.content) : []));
    for (const file of this.args.datamodels) schemas.push(readFileSync(file, 'utf8'));
    for (const schema of schemas) {
      const provider = datasourceProvider(schema);
      if (provider) return provider;
    }
    const url = this.args.datasource?.url;
    if (url) return parseDatabaseUrl(url, process.cwd()).provider;
    throw new Error('Could not tell the database provider: no schema in this diff has a datasource block.');
  }

  private engine(key: string): Promise<WasmSchemaEngine> {
    let engine = this.engines.get(key);
    if (!engine) {
      const datamodels = this.args.datamodels.length > 0 ? this.args.datamodels.map((file): [string, string] => [file, readFileSync(file, 'utf8')]) : undefined;
      engine = Promise.all([loadWasmSchemaEngine(), this.adapter(key)]).then(([SchemaEngine, adapter]) =>
        SchemaEngine.new({ datamodels }, forwardLog, bindMigrationAwareSqlAdapterFactory(adapter)),
      );
      this.engines.set(key, engine);
    }
    return engine;
  }

  /** Database drivers load only for live targets: a schema-to-schema diff never needs one. */
  private async adapter(key: string): Promise<SqlMigrationAwareDriverAdapterFactory> {
    if (key.startsWith('offline:')) return offlineAdapterFactory(key.slice('offline:'.length) as Provider);
    const { adapterFactoryForUrl } = await import('./url-adapter-factory.ts');
    return adapterFactoryForUrl(key.slice('live:'.length), process.cwd(), this.args.datasource?.shadowDatabaseUrl);
  }

  private send(message: RpcMessage): void {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  }
}

class MethodNotFound extends Error {
  constructor(readonly method: string) {
    super(`The WebAssembly schema engine does not implement "${method}". Install the native schema engine for this command (see docs/engines-and-clients.md).`);
  }
}

/** The error shape of the native engine, so the CLI prints it as it would print the native one. */
function rpcError(error: unknown, panic: string | undefined): unknown {
  if (error instanceof MethodNotFound) return { code: -32601, message: error.message, data: { is_panic: false, message: error.message, backtrace: null } };
  if (panic !== undefined) return { code: 4466, message: panic, data: { is_panic: true, message: panic, backtrace: null } };
  const code = (error as { code?: unknown }).code;
  const data = typeof code === 'string' && /^P\d{4}$/.test(code)
    ? { is_panic: false, message: errorMessage(error), meta: {}, error_code: code }
    : { is_panic: false, message: errorMessage(error), backtrace: null };
  return { code: 4466, message: 'An error happened. Check the data field for details.', data };
}

/** The wasm engine refuses `url` targets; a URL becomes a live datasource with a one-line schema. */
function urlToDatasource(target: DiffTarget): DiffTarget {
  if (target.tag !== 'url') return target;
  return { tag: 'schemaDatasource', files: [datasourceFile(target.url)], configDir: process.cwd() };
}

function rewriteUrlDatasource(method: string, params: unknown, args: EngineArgs): unknown {
  const input = params as { datasourceType?: { tag: string; url?: string } };
  if (method !== 'dbExecute' || input.datasourceType?.tag !== 'url') return params;
  if (input.datasourceType.url !== args.datasource?.url) throw new Error('db execute with a URL other than the configured datasource is not supported by the WebAssembly schema engine.');
  return { ...input, datasourceType: { tag: 'schema', files: [datasourceFile(input.datasourceType.url!)], configDir: process.cwd() } };
}

function datasourceFile(url: string): { path: string; content: string } {
  const provider = parseDatabaseUrl(url, process.cwd()).provider;
  return { path: path.join(process.cwd(), 'datasource.prisma'), content: `datasource db {\n  provider = "${provider}"\n}\n` };
}

function datasourceProvider(schema: string): Provider | undefined {
  const match = /datasource\s+\w+\s*\{[^}]*?\bprovider\s*=\s*"([^"]+)"/.exec(schema);
  if (!match) return undefined;
  const provider = match[1] === 'postgres' ? 'postgresql' : match[1];
  if (!isProvider(provider)) throw new Error(`The WebAssembly schema engine supports sqlite and postgresql, not "${match[1]}". Install the native schema engine for it (see docs/engines-and-clients.md).`);
  return provider;
}

/** The wasm engine logs JSON lines in the native format; the CLI reads them from stderr. */
function forwardLog(line: unknown): void {
  const text = String(line);
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** An error in the native engine's log format: the CLI shows the last ERROR line when the engine exits with 1. */
function logError(message: string, errorCode?: string): void {
  forwardLog(JSON.stringify({ level: 'ERROR', fields: { message, ...(errorCode ? { error_code: errorCode } : {}) }, target: 'schema_engine::logger' }));
}

/**
 * Logs an error, then exits a moment later: the CLI may handle the engine's exit before it has
 * read the last stderr line, and then it reports an empty reason.
 */
function exitAfterLogging(message: string, code: number): Promise<never> {
  logError(message);
  return new Promise(() => setTimeout(() => process.exit(code), 100));
}

/** `cli can-connect-to-database` / `cli create-database`, which `migrate deploy` and `db push` call first. */
async function runCliCommand(args: EngineArgs): Promise<number> {
  const url = args.datasource?.url;
  if (!url) {
    logError(`"cli ${args.cliCommand}" needs --datasource with a url.`);
    return 1;
  }
  try {
    switch (args.cliCommand) {
      case 'can-connect-to-database':
      case 'create-database': {
        const target = parseDatabaseUrl(url, process.cwd());
        if (target.provider === 'postgresql' && args.cliCommand === 'create-database') await createPostgresDatabase(target.connectionString);
        // Opening a SQLite file creates it; on PostgreSQL this checks the server and database.
        const { adapterFactoryForUrl } = await import('./url-adapter-factory.ts');
        const adapter = await adapterFactoryForUrl(url, process.cwd()).connect();
        await adapter.queryRaw({ sql: 'SELECT 1', args: [], argTypes: [] });
        await adapter.dispose();
        return 0;
      }
      default:
        logError(`The WebAssembly schema engine does not implement "cli ${args.cliCommand}".`);
        return 1;
    }
  } catch (error) {
    logError(errorMessage(error), 'P1001');
    return 1;
  }
}

async function createPostgresDatabase(connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}
