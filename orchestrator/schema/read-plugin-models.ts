import path from 'node:path';
import { OrchestratorError } from '../errors.ts';
import { readProjectFile } from '../files/project-files.ts';
import type { Plugin } from '../plugins/plugin.ts';
import { parseBlocks, type SchemaBlock } from './parse-blocks.ts';

export interface ModelFile {
  /** Project-relative path, so engine errors (`--> plugins/one/models.prisma:3`) name the real file. */
  path: string;
  content: string;
  blocks: SchemaBlock[];
}

/** A plugin's `*.prisma` files, read and split into blocks. */
export interface PluginModels {
  plugin: Plugin;
  files: ModelFile[];
  /** Database names of the tables its models declare, and of its enums. */
  tables: string[];
  enums: string[];
}

/** Block kinds a plugin file may not declare: the orchestrator owns the datasource and generator. */
const HEADER_KINDS = new Set(['datasource', 'generator']);

export function readPluginModels(projectRoot: string, plugin: Plugin): PluginModels {
  const files = plugin.modelFiles.map((file): ModelFile => {
    const content = readProjectFile(file, 'PLUGIN_MODELS_INVALID');
    return { path: path.relative(projectRoot, file).split(path.sep).join('/'), content, blocks: parseBlocks(content) };
  });
  const blocks = files.flatMap((file) => file.blocks.map((block) => ({ file, block })));
  for (const { file, block } of blocks) {
    if (HEADER_KINDS.has(block.kind)) {
      throw new OrchestratorError('PLUGIN_MODELS_INVALID', `Plugin "${plugin.name}": ${file.path}:${block.line} declares a ${block.kind} block.`, {
        fix: `Remove it: the ${block.kind} comes from prisma-templates/schema.prisma, so every plugin shares one.`,
      });
    }
  }
  return {
    plugin,
    files,
    tables: blocks.filter(({ block }) => block.kind === 'model').map(({ block }) => block.dbName),
    enums: blocks.filter(({ block }) => block.kind === 'enum').map(({ block }) => block.dbName),
  };
}
