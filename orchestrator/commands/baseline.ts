import { baselineProject, type BaselineOptions } from '../baseline/baseline-project.ts';
import type { CommandContext } from '../context/command-context.ts';

/** `baseline <plugin> [--json]`: records a plugin's migrations as applied on a database that already holds its tables, once they are verified to match. */
export async function baselineCommand(context: CommandContext, options: BaselineOptions & { json?: boolean }): Promise<string> {
  const { version, ...report } = await baselineProject(context, options);
  if (options.json) return JSON.stringify(report, null, 2);
  if (report.recorded.length === 0) return `Nothing to baseline: every migration of plugin "${report.plugin}" is already applied on ${report.database}.`;
  return [
    `Plugin "${report.plugin}": its tables on ${report.database} match ${report.verifiedAgainst}.`,
    `Recorded ${report.recorded.length} migration(s) as applied without running them (version ${version}):`,
    ...report.recorded.map((name) => `  ${name}`),
  ].join('\n');
}
