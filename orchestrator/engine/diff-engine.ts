import type { SchemaFile } from '../schema/compose-schema.ts';
import type { Provider } from '../config/provider.ts';

/** `wasm`: Prisma's engine compiled to WebAssembly, in this process (the default). `cli`: the official `prisma migrate diff`, one process per plugin. */
export const DIFF_ENGINE_KINDS = ['wasm', 'cli'] as const;
export type DiffEngineKind = (typeof DIFF_ENGINE_KINDS)[number];

/** What one plugin's diff needs: its previous state, its new state, and what it must not touch. */
export interface PluginDiffRequest {
  plugin: string;
  provider: Provider;
  /** The schema as of the plugin's latest migration; `null` before its first migration. */
  from: SchemaFile[] | null;
  to: SchemaFile[];
  /** Tables/enums present in the schemas but owned elsewhere: never created, altered or dropped. */
  externalTables: string[];
  externalEnums: string[];
}

/**
 * Turns two schema states into the SQL that migrates one to the other, with
 * `prisma migrate diff` semantics. Returns an empty string when nothing changed.
 */
export interface DiffEngine {
  diff(request: PluginDiffRequest): Promise<string>;
  close(): Promise<void>;
}
