import { CliDiffEngine } from './cli-diff-engine.ts';
import type { DiffEngine } from './diff-engine.ts';
import { InProcessDiffEngine } from './in-process-diff-engine.ts';

/** `wasm`: Prisma's engine compiled to WebAssembly, in this process (the default). `cli`: the official `prisma migrate diff`, one process per plugin. */
export const DIFF_ENGINE_KINDS = ['wasm', 'cli'] as const;
export type DiffEngineKind = (typeof DIFF_ENGINE_KINDS)[number];

export function createDiffEngine(kind: DiffEngineKind): DiffEngine {
  switch (kind) {
    case 'wasm':
      return new InProcessDiffEngine();
    case 'cli':
      return new CliDiffEngine();
    default:
      throw new Error(`Unknown diff engine: ${String(kind satisfies never)}`);
  }
}
