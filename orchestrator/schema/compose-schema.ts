import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Provider } from '../config/provider.ts';
import { OrchestratorError } from '../errors.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { commentStart, parseBlocks } from './parse-blocks.ts';

export const TEMPLATE_FILE = 'schema.prisma';

export interface SchemaFile {
  /** Project-relative path, so engine errors (`--> plugins/one/models.prisma:3`) name the real file. */
  path: string;
  content: string;
}

/** One plugin's isolated Prisma schema: the template header plus the plugin's own blocks. */
export interface ComposedSchema {
  plugin: string;
  provider: Provider;
  files: SchemaFile[];
  /** Database names of the tables the plugin's models declare. */
  tables: string[];
  enums: string[];
  /** The same schema as one file: what generate stores beside each migration as its "before" state. */
  snapshot: string;
}

/** Block kinds a plugin file may not declare: the orchestrator owns the datasource and generator. */
const HEADER_KINDS = new Set(['datasource', 'generator']);

export function composeSchema(projectRoot: string, templatesDir: string, plugin: Plugin, provider: Provider): ComposedSchema {
  const templatePath = path.join(templatesDir, TEMPLATE_FILE);
  let template: string;
  try {
    template = readFileSync(templatePath, 'utf8');
  } catch {
    throw new OrchestratorError('CONFIG_INVALID', `The schema template ${templatePath} is missing.`, {
      fix: 'Restore prisma-templates/schema.prisma (a datasource block with provider = "{{provider}}").',
    });
  }
  const header: SchemaFile = {
    path: relative(projectRoot, templatePath),
    content: template.replaceAll('{{provider}}', provider).replaceAll('{{plugin}}', plugin.name),
  };
  const modelFiles = plugin.modelFiles.map((file) => ({
    path: relative(projectRoot, file),
    content: adaptToProvider(readFileSync(file, 'utf8'), provider),
  }));

  const tables: string[] = [];
  const enums: string[] = [];
  for (const file of modelFiles) {
    for (const block of parseBlocks(file.content)) {
      if (HEADER_KINDS.has(block.kind)) {
        throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}": ${file.path}:${block.line} declares a ${block.kind} block.`, {
          fix: `Remove it: the ${block.kind} comes from prisma-templates/${TEMPLATE_FILE}, so every plugin shares one.`,
        });
      }
      if (block.kind === 'model') tables.push(block.dbName);
      if (block.kind === 'enum') enums.push(block.dbName);
    }
  }
  const files = [header, ...modelFiles];
  return {
    plugin: plugin.name,
    provider,
    files,
    tables,
    enums,
    snapshot: files.map((file) => `// ---- ${file.path}\n${file.content.trimEnd()}\n`).join('\n'),
  };
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

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}
