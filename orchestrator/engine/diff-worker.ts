import { parentPort, workerData } from 'node:worker_threads';
import { OrchestratorError } from '../errors.ts';
import { InProcessDiffEngine } from './in-process-diff-engine.ts';
import { useCompiledWasmSchemaEngine } from './load-wasm-engine.ts';
import type { DiffJob, DiffReply, DiffWorkerData, SerializedError } from './pooled-diff-engine.ts';

/**
 * One worker thread of the pooled diff engine: its own instance of the wasm engine (compiled
 * once, by the main thread) diffs the requests posted to it one at a time, in order, and posts
 * back the SQL or the error, which the main thread rebuilds.
 */
const port = parentPort!;
useCompiledWasmSchemaEngine((workerData as DiffWorkerData).module);
const engine = new InProcessDiffEngine();
const queue: DiffJob[] = [];
let serving: Promise<void> | undefined;

port.on('message', (job: DiffJob) => {
  queue.push(job);
  serving ??= serve().finally(() => (serving = undefined));
});

async function serve(): Promise<void> {
  for (let job = queue.shift(); job; job = queue.shift()) {
    let reply: DiffReply;
    try {
      reply = { id: job.id, sql: await engine.diff(job.request) };
    } catch (error) {
      reply = { id: job.id, error: serialize(error) };
    }
    port.postMessage(reply);
  }
}

function serialize(error: unknown): SerializedError {
  const cause = error instanceof Error && error.cause instanceof Error ? { message: error.cause.message, stack: error.cause.stack } : undefined;
  if (error instanceof OrchestratorError) return { code: error.code, message: error.message, fix: error.fix, cause };
  return { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined };
}
