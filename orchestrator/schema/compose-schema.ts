import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';
import { commentStart } from './parse-blocks.ts';
import type { SchemaBlock } from './parse-blocks.ts';
import type { ModelFile, PluginModels } from './read-plugin-models.ts';

export const TEMPLATE_FILE = 'schema.prisma';

export interface SchemaFile {
  /** Project-relative path (or, for dependency copies, a virtual one under `dependencies/`). */
  path: string;
  content: string;
}

/** One plugin's isolated Prisma schema: the template header, the plugin's blocks, and read-only copies of what it relates to. */
export interface ComposedSchema {
  plugin: string;
  provider: Provider;
  files: SchemaFile[];
  /** Database names of the tables and enums the plugin's own models declare. */
  tables: string[];
  enums: string[];
  /** Tables/enums of dependency plugins included for relations: the diff must never touch them. */
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
  const backFields = backRelationFields(models, dependencies);
  const header: SchemaFile = {
    path: relative(input.projectRoot, path.join(input.templatesDir, TEMPLATE_FILE)),
    content: readTemplate(input.templatesDir).replaceAll('{{provider}}', provider).replaceAll('{{plugin}}', plugin),
  };
  const own = models.files.map((file) => ({ path: file.path, content: adaptToProvider(file.content, provider) }));
  const copies = dependencies.map((dependency) => ({
    path: `dependencies/${dependency.plugin.name}.prisma`,
    content: adaptToProvider(dependencyCopy(dependency, backFields), provider),
  }));
  const files = [header, ...own, ...copies];
  return {
    plugin,
    provider,
    files,
    tables: models.tables,
    enums: models.enums,
    externalTables: dependencies.flatMap((dependency) => dependency.tables),
    externalEnums: dependencies.flatMap((dependency) => dependency.enums),
    snapshot: files.map((file) => `// ---- ${file.path}\n${file.content.trimEnd()}\n`).join('\n'),
  };
}

/**
 * For every relation that crosses from one plugin's model to a dependency's model, the field
 * Prisma requires on the other side, keyed by target model name. Only the dependent side may
 * hold the foreign key: a dependency's table is never altered by a plugin that builds on it.
 * (That relations only point at dependencies is checked project-wide, by checkRelationTargets.)
 */
function backRelationFields(models: PluginModels, dependencies: PluginModels[]): Map<string, string[]> {
  const all = [...dependencies, models];
  const ownerOfModel = new Map<string, PluginModels>();
  for (const plugin of all) for (const file of plugin.files) for (const block of modelBlocks(file)) ownerOfModel.set(block.name, plugin);

  const backFields = new Map<string, string[]>();
  for (const source of all) {
    for (const file of source.files) {
      for (const block of modelBlocks(file)) {
        for (const field of block.fields) {
          const target = ownerOfModel.get(field.type);
          if (!target || target === source) continue;
          const where = `Plugin "${source.plugin.name}": ${file.path}, field ${block.name}.${field.name}`;
          if (!/@relation\([^)]*fields\s*:/.test(field.attributes)) {
            throw new OrchestratorError('PLUGIN_MODELS_INVALID', `${where} is the side of a relation without the foreign key, so the key would have to go into "${target.plugin.name}"'s table ${field.type}, which "${source.plugin.name}" must not alter.`, {
              fix: `Hold the foreign key in ${block.name}: add a scalar field (e.g. ${lowerFirst(field.type)}Id) and @relation(fields: [${lowerFirst(field.type)}Id], references: [id]).`,
            });
          }
          const name = /@relation\(\s*(?:name\s*:\s*)?"([^"]+)"/.exec(field.attributes)?.[1];
          const type = isOneToOne(block, field.attributes) ? `${block.name}?` : `${block.name}[]`;
          const fieldName = `${lowerFirst(block.name)}${upperFirst(field.name)}`;
          const line = `  ${fieldName} ${type}${name ? ` @relation("${name}")` : ''} // added by the orchestrator: back side of ${source.plugin.name}'s ${block.name}.${field.name}`;
          backFields.set(field.type, [...(backFields.get(field.type) ?? []), line]);
        }
      }
    }
  }
  return backFields;
}

/** A relation is one-to-one when its foreign key fields are unique. */
function isOneToOne(block: SchemaBlock, relationAttributes: string): boolean {
  const keys = /fields\s*:\s*\[([^\]]*)\]/.exec(relationAttributes)?.[1]?.split(',').map((key) => key.trim()) ?? [];
  if (keys.length === 1 && block.fields.some((field) => field.name === keys[0] && /@unique\b/.test(field.attributes))) return true;
  return block.blockAttributes.some((attribute) => {
    const unique = /^@@(?:unique|id)\(\s*(?:fields\s*:\s*)?\[([^\]]*)\]/.exec(attribute)?.[1];
    return unique !== undefined && sameSet(unique.split(',').map((key) => key.trim()), keys);
  });
}

/** The dependency's model and enum blocks, with the back-relation fields inserted before each closing brace. */
function dependencyCopy(dependency: PluginModels, backFields: Map<string, string[]>): string {
  const parts = [`// Read-only copy of plugin "${dependency.plugin.name}": its own migrations manage these tables.`];
  for (const file of dependency.files) {
    const lines = file.content.split('\n');
    for (const block of file.blocks) {
      const body = lines.slice(block.line - 1, block.endLine - 1);
      const closing = lines[block.endLine - 1]!;
      parts.push([...body, ...(backFields.get(block.name) ?? []), closing].join('\n'));
    }
  }
  return `${parts.join('\n\n')}\n`;
}

function readTemplate(templatesDir: string): string {
  const templatePath = path.join(templatesDir, TEMPLATE_FILE);
  try {
    return readFileSync(templatePath, 'utf8');
  } catch {
    throw new OrchestratorError('CONFIG_INVALID', `The schema template ${templatePath} is missing.`, {
      fix: 'Restore prisma-templates/schema.prisma (a datasource block with provider = "{{provider}}").',
    });
  }
}

/**
 * SQLite's Prisma connector has no native types, so `@db.VarChar(30)` would be a schema error
 * there. Dropping those attributes lets one set of models serve both providers: SQLite stores
 * such columns as TEXT and never enforced lengths anyway. Line numbers are preserved.
 */
function adaptToProvider(source: string, provider: Provider): string {
  if (provider !== 'sqlite') return source;
  return source
    .split('\n')
    .map((line) => {
      const cut = commentStart(line);
      return line.slice(0, cut).replace(/\s@db\.\w+(\([^)]*\))?/g, '') + line.slice(cut);
    })
    .join('\n');
}

function modelBlocks(file: ModelFile): SchemaBlock[] {
  return file.blocks.filter((block) => block.kind === 'model');
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}
