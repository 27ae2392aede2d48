import type { SchemaFile } from '../schema/compose-schema.ts';
import type { Provider } from '../config/provider.ts';

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
