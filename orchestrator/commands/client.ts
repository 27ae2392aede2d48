import path from 'node:path';
import { generatePluginClient } from '../client/generate-plugin-client.ts';
import type { CommandContext } from '../context/command-context.ts';
import { reportTask } from '../context/progress-event.ts';
import { composeAll } from '../generate/plan-migrations.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';

/**
 * `client [plugin...]`: a Prisma Client per plugin, generated from the plugin's isolated schema
 * into the generator output of prisma-templates/schema.prisma (plugins/<name>/generated/client).
 * Needs no database. Returns the summary.
 */
export async function clientCommand(context: CommandContext): Promise<string> {
  const { project } = context;
  const all = discoverPlugins(project.pluginsDir);
  const selected = selectPlugins(all, context.pluginNames);
  const schemas = composeAll(project, all);
  const outputs: string[] = [];
  for (const plugin of selected) {
    await reportTask(context.progress, { command: 'client', plugin: plugin.name, title: `${plugin.name}: generating Prisma Client` }, async () => {
      const written = (await generatePluginClient(project, schemas.get(plugin.name)!)).map((dir) => path.relative(project.root, dir));
      outputs.push(...written);
      return { value: written, summary: `${plugin.name}: client in ${written.join(', ')}` };
    });
  }
  return `Generated ${selected.length} Prisma Client(s):\n${outputs.map((dir) => `  ${dir}`).join('\n')}`;
}
