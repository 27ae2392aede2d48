import type { CommandContext } from '../context/command-context.ts';
import { graphProject, type GraphOptions } from '../graph/plugin-graph.ts';

/** `graph [plugin...] [--format mermaid|dot] [--json]`: the plugins, their dependencies and their tables, as text (or the data as JSON). */
export async function graphCommand(context: CommandContext, options: GraphOptions & { json?: boolean }): Promise<string> {
  const graph = await graphProject(context, options);
  return options.json ? JSON.stringify({ plugins: graph.plugins }, null, 2) : graph.text;
}
