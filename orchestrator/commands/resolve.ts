import type { CommandContext } from '../context/command-context.ts';
import { OrchestratorError } from '../errors.ts';
import { resolveProject } from '../resolve/resolve-project.ts';

export interface ResolveFlags {
  applied?: boolean;
  rolledBack?: boolean;
  json?: boolean;
}

/** `resolve <plugin> <migration> --applied | --rolled-back`: settles a failed migration's history, as `prisma migrate resolve`. */
export async function resolveCommand(context: CommandContext, plugin: string, migration: string, options: ResolveFlags): Promise<string> {
  if (options.applied === options.rolledBack) {
    throw new OrchestratorError('CONFIG_INVALID', `resolve needs exactly one of --applied (you finished migration ${migration} by hand) or --rolled-back (you undid what it left; deploy runs it again).`, {
      fix: `Run "orchestrator resolve ${plugin} ${migration} --applied" or "... --rolled-back".`,
    });
  }
  const report = await resolveProject(context, { plugin, migration, resolution: options.applied ? 'applied' : 'rolled-back' });
  if (options.json) return JSON.stringify(report, null, 2);
  if (!report.changed) return `Nothing to record: the failed attempt at ${report.plugin}/${report.migration} was already rolled back (none of it was kept). Deploy retries it.`;
  return report.resolution === 'applied'
    ? `Recorded ${report.plugin}/${report.migration} as applied (not run); the failed attempt stays in the history, marked rolled back. Deploy skips it.`
    : `Marked the failed attempt at ${report.plugin}/${report.migration} rolled back (kept in the history). Deploy runs it again from its first step.`;
}
