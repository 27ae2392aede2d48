import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { SchemaFile } from '../schema/compose-schema.ts';
import type { Provider } from '../config/provider.ts';

/** `wasm`: Prisma's engine compiled to WebAssembly, in this process (the default). `cli`: the official `prisma migrate diff`, one process per plugin. */
export const DIFF_ENGINE_KINDS = ['wasm', 'cli'] as const;
export type DiffEngineKind = (typeof DIFF_ENGINE_KINDS)[number];

/**
 * A live scratch database holding a plugin's previous state (its migrations replayed into it),
 * for a plugin whose migrations carry no snapshot. Never the application's DATABASE_URL.
 */
export interface ScratchDatabaseSource {
  /** Reaches the scratch database; the engine reads its schema through it. */
  adapter: SqlMigrationAwareDriverAdapterFactory;
  /** PostgreSQL: the schema the migrations were replayed into (external names are qualified with it). */
  namespace?: string;
}

/** What one plugin's diff needs: its previous state, its new state, and what it must not touch. */
export interface PluginDiffRequest {
  plugin: string;
  provider: Provider;
  /**
   * The plugin's state as of its latest migration: the schema files of its snapshot, a scratch
   * database its migrations were replayed into (when none has a snapshot), or `null` before its
   * first migration.
   */
  from: SchemaFile[] | { database: ScratchDatabaseSource } | null;
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
  /** Whether `from` may be a scratch database (the in-process engine only). */
  readonly readsScratchDatabases: boolean;
  /** How many diffs it runs at once, usefully: generate plans that many plugins ahead. */
  readonly parallelism: number;
  close(): Promise<void>;
}
