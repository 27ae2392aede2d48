import type { CommandContext } from '../context/command-context.ts';
import { graphProject, type GraphOptions } from '../graph/plugin-graph.ts';

/** `graph [plugin...] [--format mermaid|dot]`: the plugins, their dependencies and their tables, as text. */
export async function graphCommand(context: CommandContext, options: GraphOptions): Promise<string> {
  return (await graphProject(context, options)).text;
}
