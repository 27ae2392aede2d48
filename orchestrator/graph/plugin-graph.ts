import type { CommandContext } from '../context/command-context.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { readProjectModels } from '../schema/read-plugin-models.ts';
import type { GraphFormat } from './graph-format.ts';
import { renderDot } from './render-dot.ts';
import { renderMermaid } from './render-mermaid.ts';

/** One plugin as the graph shows it. */
export interface PluginNode {
  name: string;
  version: string;
  /** The plugins it depends on directly, as its plugin.json lists them. */
  dependsOn: string[];
  /** The tables it owns: its models' tables (after @@map) and the implicit many-to-many join tables it declares. */
  tables: string[];
  /** The enums it owns (database names). */
  enums: string[];
}


export interface GraphOptions {
  /** mermaid (default) or dot (Graphviz). */
  format?: GraphFormat;
}

export interface PluginGraph {
  /** The selected plugins, in dependency order. */
  plugins: PluginNode[];
  /** The graph in the chosen format, ready for a README (Mermaid) or `dot -Tsvg`. */
  text: string;
}

/** Reads the plugins with Prisma's parser and returns who depends on whom and who owns which tables. Needs no database. */
export async function graphProject(context: CommandContext, options: GraphOptions): Promise<PluginGraph> {
  const all = discoverPlugins(context.project.pluginsDir);
  const selected = selectPlugins(all, context.pluginNames);
  const models = readProjectModels(context.project, all);
  const plugins = selected.map((plugin): PluginNode => {
    const owned = models.get(plugin.name)!;
    return { name: plugin.name, version: plugin.version, dependsOn: plugin.dependsOn, tables: [...owned.tables, ...owned.joinTables], enums: owned.enumNames };
  });
  const render = (options.format ?? 'mermaid') === 'dot' ? renderDot : renderMermaid;
  return { plugins, text: render(plugins) };
}
