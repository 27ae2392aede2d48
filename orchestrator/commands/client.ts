import path from 'node:path';
import { generatePluginClient } from '../client/generate-plugin-client.ts';
import type { Project } from '../config/load-project.ts';
import { composeAll } from '../generate/plan-migrations.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { runTasks } from '../ui/run-tasks.ts';

/**
 * `client [plugin...]`: a Prisma Client per plugin, generated from the plugin's isolated schema
 * into the generator output of prisma-templates/schema.prisma (plugins/<name>/generated/client).
 * Needs no database. Returns the summary.
 */
export async function clientCommand(project: Project, pluginNames: string[]): Promise<string> {
  const all = discoverPlugins(project.pluginsDir);
  const selected = selectPlugins(all, pluginNames);
  const schemas = composeAll(project, all);
  const outputs: string[] = [];
  await runTasks(
    selected.map((plugin) => ({
      title: `${plugin.name}: generating Prisma Client`,
      async run() {
        const written = (await generatePluginClient(project, schemas.get(plugin.name)!)).map((dir) => path.relative(project.root, dir));
        outputs.push(...written);
        return `${plugin.name}: client in ${written.join(', ')}`;
      },
    })),
  );
  return `Generated ${selected.length} Prisma Client(s):\n${outputs.map((dir) => `  ${dir}`).join('\n')}`;
}
