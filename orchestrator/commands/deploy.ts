import type { CommandContext } from '../context/command-context.ts';
import { deployProject, type DeployOptions } from '../deploy/deploy-project.ts';
import { describeRoleChange } from '../roles/sync-plugin-roles.ts';

export type { DeployOptions };

/** `deploy [plugin...]`: applies pending migrations to DATABASE_URL. Returns the summary line; throws the error that stopped it. */
export async function deployCommand(context: CommandContext, options: DeployOptions): Promise<string> {
  const report = await deployProject(context, options);
  if (report.error) throw report.error;
  const changed = report.plugins.filter((plugin) => plugin.migrations.some((migration) => migration.status === 'applied'));
  const summary = report.applied === 0
    ? `Nothing to deploy: ${report.plugins.length} plugin(s) up to date on ${report.database}.`
    : `Applied ${report.applied} migration(s) across ${changed.length} plugin(s) on ${report.database}.`;
  return [...report.roleChanges.map((change) => `roles: ${describeRoleChange(change)}`), summary].join('\n');
}
