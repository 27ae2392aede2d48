import type { DiffEngine, DiffEngineKind } from './diff-engine.ts';

export { DIFF_ENGINE_KINDS, type DiffEngineKind } from './diff-engine.ts';

/**
 * The engine for a generate run. Each is imported on demand: the CLI engine pulls in execa and
 * the wasm engine its loader, and commands that diff nothing (deploy, status) should load neither.
 */
export async function createDiffEngine(kind: DiffEngineKind): Promise<DiffEngine> {
  switch (kind) {
    case 'wasm':
      return new (await import('./in-process-diff-engine.ts')).InProcessDiffEngine();
    case 'cli':
      return new (await import('./cli-diff-engine.ts')).CliDiffEngine();
    default:
      throw new Error(`Unknown diff engine: ${String(kind satisfies never)}`);
  }
}
