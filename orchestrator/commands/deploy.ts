import type { Project } from '../config/load-project.ts';
import { openDatabase } from '../database/open-database.ts';
import { runDeploy, type PluginDeployStep } from '../deploy/run-deploy.ts';
import type { ObjectOwnership } from '../ownership/object-ownership.ts';
import { collectOwnership } from '../ownership/table-ownership.ts';
import { readProjectModels } from '../schema/read-plugin-models.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { runTasks } from '../ui/run-tasks.ts';

/** `deploy [plugin...]`: applies pending migrations to DATABASE_URL. Returns the summary line. */
export async function deployCommand(project: Project, pluginNames: string[]): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, pluginNames, { withDependencies: true });
  // Reading every plugin's models costs a few milliseconds a plugin: only a deploy with pending migrations needs it.
  let ownership: ObjectOwnership | undefined;
  const model = {
    allPlugins,
    get ownership() {
      ownership ??= collectOwnership(readProjectModels(project, allPlugins).values());
      return ownership;
    },
  };
  const db = await openDatabase(project.databaseUrl, project.root, { create: true });
  try {
    const results = await runDeploy(db, plugins, model, async (steps) => {
      // Only plugins with work get a task line: a container start with 200 plugins up to date prints one line.
      const pending = steps.filter((step) => step.pending.length > 0);
      if (pending.length > 0) await runTasks(pending.map(toTask));
    });
    const changed = results.filter((result) => result.applied.length > 0);
    const applied = changed.reduce((sum, result) => sum + result.applied.length, 0);
    return applied === 0
      ? `Nothing to deploy: ${plugins.length} plugin(s) up to date on ${db.displayUrl}.`
      : `Applied ${applied} migration(s) across ${changed.length} plugin(s) on ${db.displayUrl}.`;
  } finally {
    await db.close();
  }
}

function toTask(step: PluginDeployStep) {
  return {
    title: `${step.plugin}: applying ${step.pending.length} migration(s)`,
    async run(report: (text: string) => void) {
      const applied = await step.run((migration) => report(`applied ${migration}`));
      if (applied.length === 0) return `${step.plugin}: up to date`;
      return `${step.plugin}: applied ${applied.join(', ')}`;
    },
  };
}
