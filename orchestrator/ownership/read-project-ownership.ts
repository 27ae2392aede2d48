import type { Plugin } from '../plugins/plugin.ts';
import { readProjectModels, type ProjectSchemaSettings } from '../schema/read-plugin-models.ts';
import { collectOwnership } from './collect-ownership.ts';
import type { ObjectOwnership } from './object-ownership.ts';

/** Which plugin owns each table, enum and index, read from every plugin's models (`plugins`: all of them, in dependency order). */
export function readProjectOwnership(project: ProjectSchemaSettings, plugins: Plugin[]): ObjectOwnership {
  return collectOwnership(readProjectModels(project, plugins).values());
}
