import type { Provider } from '../config/provider.ts';
import { renderDependencyCopy } from './dependency-copy.ts';
import type { SchemaSource } from './prisma-schema-wasm.ts';
import type { PluginModels } from './read-plugin-models.ts';
import { schemaHeader } from './schema-header.ts';

export { TEMPLATE_FILE } from './schema-header.ts';

/** A file of a composed schema: project-relative path (or, for dependency copies, a virtual one under `dependencies/`). */
export type SchemaFile = SchemaSource;

/** One plugin's isolated Prisma schema: the template header, the plugin's files, and read-only copies of what it relates to. */
export interface ComposedSchema {
  plugin: string;
  provider: Provider;
  files: SchemaFile[];
  /** Database names of the tables (model tables and its implicit many-to-many join tables) and enums the plugin owns. */
  tables: string[];
  enums: string[];
  /** Tables/enums of dependency plugins in this schema: the diff must never touch them. */
  externalTables: string[];
  externalEnums: string[];
  /** The same schema as one file: what generate stores beside each migration as its "before" state. */
  snapshot: string;
}

export interface ComposeInput {
  projectRoot: string;
  templatesDir: string;
  provider: Provider;
  /** The plugin's own models. */
  models: PluginModels;
  /** Models of every plugin it depends on, directly or not, in dependency order. */
  dependencies: PluginModels[];
}

/**
 * Composes a plugin's isolated schema. Models of its dependencies are included so its models
 * can relate to them, and marked external so its migrations never create or alter them. Prisma
 * wants both sides of a relation to carry a field; the dependency side is added here, in the
 * composed copy, never in the dependency's own files.
 */
export function composeSchema(input: ComposeInput): ComposedSchema {
  const { models, dependencies, provider } = input;
  const plugin = models.plugin.name;
  const header: SchemaFile = {
    path: schemaHeader.path(input.projectRoot, input.templatesDir),
    content: schemaHeader.content(input.templatesDir, provider, plugin),
  };
  const all = [...dependencies, models];
  const copies = dependencies.map((dependency) =>
    renderDependencyCopy(
      { plugin: dependency.plugin.name, files: dependency.files },
      all.flatMap((other) => other.backFields.filter((field) => field.targetPlugin === dependency.plugin.name)),
    ),
  );
  const files = [header, ...models.files.map((file) => ({ path: file.path, content: file.content })), ...copies.map((copy) => ({ path: copy.path, content: copy.content }))];
  return {
    plugin,
    provider,
    files,
    tables: [...models.tables, ...models.joinTables],
    enums: models.enumNames,
    externalTables: dependencies.flatMap((dependency) => [...dependency.tables, ...dependency.joinTables]),
    externalEnums: dependencies.flatMap((dependency) => dependency.enumNames),
    snapshot: files.map((file) => `// ---- ${file.path}\n${file.content.trimEnd()}\n`).join('\n'),
  };
}
