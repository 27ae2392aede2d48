import { availableParallelism } from 'node:os';
import type { DiffEngine, DiffEngineKind } from './diff-engine.ts';

export { DIFF_ENGINE_KINDS, type DiffEngineKind } from './diff-engine.ts';

/** Below this many plugins to diff, starting worker threads costs more than it saves. */
const PLUGINS_PER_WORKER = 32;
const MAX_WORKERS = 4;

/**
 * The engine for a generate run. Each is imported on demand: the CLI engine pulls in execa and
 * the wasm engine its loader, and commands that diff nothing (deploy, status) should load neither.
 * `plugins` is how many plugins the run will diff: many, on a machine of several cores, and the
 * wasm engine runs in worker threads (ORCHESTRATOR_DIFF_WORKERS sets their number; 0: none).
 */
export async function createDiffEngine(kind: DiffEngineKind, plugins = 1): Promise<DiffEngine> {
  switch (kind) {
    case 'wasm': {
      const workers = diffWorkers(plugins);
      if (workers > 0) return (await import('./pooled-diff-engine.ts')).PooledDiffEngine.start(workers);
      return new (await import('./in-process-diff-engine.ts')).InProcessDiffEngine();
    }
    case 'cli':
      return new (await import('./cli-diff-engine.ts')).CliDiffEngine();
    default:
      throw new Error(`Unknown diff engine: ${String(kind satisfies never)}`);
  }
}

function diffWorkers(plugins: number): number {
  const configured = process.env.ORCHESTRATOR_DIFF_WORKERS;
  if (configured !== undefined && configured !== '') {
    const count = Number(configured);
    if (Number.isInteger(count) && count >= 0) return count;
  }
  const cores = availableParallelism();
  return cores < 2 ? 0 : Math.min(cores, MAX_WORKERS, Math.floor(plugins / PLUGINS_PER_WORKER));
}
