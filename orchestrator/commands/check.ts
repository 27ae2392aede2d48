import type { CommandContext } from '../context/command-context.ts';
import type { GateReport } from './gate-report.ts';
import { checkProject } from '../generate/check-project.ts';

/** `check [plugin...] [--json]`: the CI gate for models changed without a migration. Writes nothing, opens no database. */
export async function checkCommand(context: CommandContext, options: { json?: boolean }): Promise<GateReport> {
  const report = await checkProject(context);
  if (options.json) return { passed: report.clean, text: JSON.stringify(report, null, 2) };
  if (report.clean) return { passed: true, text: `No changes: ${report.checked.length} plugin(s) match their latest migration.` };
  const names = report.changes.map((change) => change.plugin);
  const lines = report.changes.flatMap((change) => [`${change.plugin}: models changed, but no migration was generated; generate would write:`, ...change.summary.map((line) => `  ${line}`)]);
  return { passed: false, text: [...lines, `Run "orchestrator generate ${names.join(' ')}" and commit the migration(s).`].join('\n') };
}
