import type { CommandContext } from '../context/command-context.ts';
import { deployProject, type DeployOptions } from '../deploy/deploy-project.ts';
import { formatPreview, previewProject } from '../deploy/preview-deploy.ts';
import { OrchestratorError } from '../errors.ts';
import { describeRoleChange } from '../roles/sync-plugin-roles.ts';

export type { DeployOptions };

/** `deploy [plugin...]`: applies pending migrations to DATABASE_URL. Returns the summary line; throws the error that stopped it. */
export async function deployCommand(context: CommandContext, options: DeployOptions & { dryRun?: boolean; json?: boolean }): Promise<string> {
  if (options.json && !options.dryRun) {
    throw new OrchestratorError('CONFIG_INVALID', 'deploy --json prints the statements of a dry run (or, with --targets, the per-target report): it needs --dry-run or --targets. Nothing was run.', { fix: 'Run deploy --dry-run --json to see what deploy would run, or deploy without --json to run it.' });
  }
  if (options.dryRun) {
    const preview = await previewProject(context, options);
    return options.json ? JSON.stringify(preview, null, 2) : formatPreview(preview);
  }
  const report = await deployProject(context, options);
  if (report.error) throw report.error;
  const changed = report.plugins.filter((plugin) => plugin.migrations.some((migration) => migration.status === 'applied'));
  const summary = report.applied === 0
    ? `Nothing to deploy: ${report.plugins.length} plugin(s) up to date on ${report.database}.`
    : `Applied ${report.applied} migration(s) across ${changed.length} plugin(s) on ${report.database}.`;
  return [...report.roleChanges.map((change) => `roles: ${describeRoleChange(change)}`), summary].join('\n');
}
