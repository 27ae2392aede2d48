import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, OrchestratorError } from '../errors.ts';
import type { DiffEngine, PluginDiffRequest } from './diff-engine.ts';
import { InProcessDiffEngine, engineFailed } from './in-process-diff-engine.ts';
import { compileWasmSchemaEngine } from './load-wasm-engine.ts';

/** Beside this file from source; beside the bundle's chunks in the built CLI (scripts/build-cli.ts). */
const WORKER_ENTRY = path.join(path.dirname(fileURLToPath(import.meta.url)), 'diff-worker-launcher.mjs');

/** A worker is given its next request while it works on the current one: it never waits for the main thread. */
const JOBS_PER_WORKER = 2;
/** Plugins generate plans ahead per worker: enough that the main thread, reading snapshots, never leaves a worker idle. */
const PLANNED_AHEAD_PER_WORKER = 8;

export interface DiffWorkerData {
  module: WebAssembly.Module;
}
export interface DiffJob {
  id: number;
  request: PluginDiffRequest;
}
export interface SerializedError {
  code?: ErrorCode;
  message: string;
  fix?: string | undefined;
  stack?: string | undefined;
  cause?: { message: string; stack?: string | undefined } | undefined;
}
export type DiffReply = { id: number; sql: string } | { id: number; error: SerializedError };

interface PendingJob extends DiffJob {
  resolve(sql: string): void;
  reject(error: unknown): void;
}

interface PoolWorker {
  thread: Worker;
  jobs: Map<number, PendingJob>;
  alive: boolean;
}

/**
 * The wasm engine in a few worker threads, each with its own instance: generate diffs many
 * plugins, and the diffs of different plugins then run at once, beside the main thread's reading
 * of schemas and snapshots. Requests are taken in order (the first plugin's first), so results
 * come back in about the order generate reports them. A diff from a scratch database stays in
 * this thread: its adapter (a live connection) cannot move to another.
 */
export class PooledDiffEngine implements DiffEngine {
  readonly readsScratchDatabases = true;
  readonly parallelism: number;
  private readonly local = new InProcessDiffEngine();
  private readonly queue: PendingJob[] = [];
  private nextId = 0;

  private constructor(private readonly workers: PoolWorker[]) {
    this.parallelism = workers.length * PLANNED_AHEAD_PER_WORKER;
  }

  /** Compiles the engine once and starts `size` workers on it. */
  static async start(size: number): Promise<PooledDiffEngine> {
    const workerData: DiffWorkerData = { module: await compileWasmSchemaEngine() };
    // execArgv: the launcher registers tsx itself when run from source; nothing else of the parent's flags is needed.
    const workers = Array.from({ length: size }, () => ({ thread: new Worker(WORKER_ENTRY, { workerData, execArgv: [] }), jobs: new Map<number, PendingJob>(), alive: true }));
    const pool = new PooledDiffEngine(workers);
    for (const worker of workers) pool.watch(worker);
    return pool;
  }

  diff(request: PluginDiffRequest): Promise<string> {
    if (request.from && !Array.isArray(request.from)) return this.local.diff(request);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, request, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    const closing = new Error('The diff engine was closed.');
    for (const job of this.queue.splice(0)) job.reject(closing);
    for (const worker of this.workers) worker.alive = false;
    await Promise.all(this.workers.map((worker) => worker.thread.terminate()));
    await this.local.close();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.workers.filter((candidate) => candidate.alive && candidate.jobs.size < JOBS_PER_WORKER).sort((a, b) => a.jobs.size - b.jobs.size)[0];
      if (!worker) break;
      const job = this.queue.shift()!;
      worker.jobs.set(job.id, job);
      // An idle worker must not keep the process alive; a busy one must, or the process could exit mid-diff.
      worker.thread.ref();
      worker.thread.postMessage({ id: job.id, request: job.request } satisfies DiffJob);
    }
    // Workers that could not start, or all crashed: this thread diffs what is left.
    if (this.queue.length > 0 && !this.workers.some((worker) => worker.alive)) {
      for (const job of this.queue.splice(0)) this.local.diff(job.request).then(job.resolve, job.reject);
    }
  }

  private watch(worker: PoolWorker): void {
    worker.thread.unref();
    worker.thread.on('message', (reply: DiffReply) => {
      const job = worker.jobs.get(reply.id);
      if (!job) return;
      worker.jobs.delete(reply.id);
      if (worker.jobs.size === 0) worker.thread.unref();
      if ('error' in reply) job.reject(rebuild(reply.error));
      else job.resolve(reply.sql);
      this.dispatch();
    });
    // A crash (an engine panic that escapes as an uncaught error) fails the plugins it was diffing.
    const fail = (error: Error) => {
      if (!worker.alive) return;
      worker.alive = false;
      for (const job of worker.jobs.values()) job.reject(crashed(job.request.plugin, error));
      worker.jobs.clear();
      this.dispatch();
    };
    worker.thread.on('error', fail);
    worker.thread.on('exit', (code) => fail(new Error(`The diff worker thread exited with code ${code}.`)));
  }
}

function rebuild(error: SerializedError): Error {
  const cause = error.cause && Object.assign(new Error(error.cause.message), { stack: error.cause.stack });
  if (error.code) return new OrchestratorError(error.code, error.message, { fix: error.fix, cause });
  return Object.assign(new Error(error.message), { stack: error.stack });
}

function crashed(plugin: string, error: Error): OrchestratorError {
  return engineFailed(plugin, error.message, error);
}
