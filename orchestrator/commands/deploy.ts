import type { Project } from '../config/load-project.ts';
import { deployDatabase, lazyProjectModel, type DeployOptions } from '../deploy/deploy-database.ts';
import type { PluginDeployStep } from '../deploy/run-deploy.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { runTasks } from '../ui/run-tasks.ts';

export type { DeployOptions } from '../deploy/deploy-database.ts';

/** `deploy [plugin...]`: applies pending migrations to DATABASE_URL. Returns the summary line. */
export async function deployCommand(project: Project, pluginNames: string[], options: DeployOptions): Promise<string> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, pluginNames, { withDependencies: true });
  const report = await deployDatabase(project, project.databaseUrl, plugins, lazyProjectModel(project, allPlugins), {
    ...options,
    onWait: (message) => console.error(message),
    async runSteps(steps) {
      // Only plugins with work get a task line: a container start with 200 plugins up to date prints one line.
      const pending = steps.filter((step) => step.pending.length > 0);
      if (pending.length > 0) await runTasks(pending.map(toTask));
    },
  });
  const changed = report.plugins.filter((result) => result.applied.length > 0);
  const applied = changed.reduce((sum, result) => sum + result.applied.length, 0);
  return applied === 0
    ? `Nothing to deploy: ${plugins.length} plugin(s) up to date on ${report.displayUrl}.`
    : `Applied ${applied} migration(s) across ${changed.length} plugin(s) on ${report.displayUrl}.`;
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
