import type { CommandContext } from '../context/command-context.ts';
import type { GateReport } from './gate-report.ts';
import type { PluginDrift } from '../drift/detect-drift.ts';
import { driftProject } from '../drift/drift-project.ts';

/** `drift [plugin...] [--json]`: the live database's own objects of each plugin against what its applied migrations leave. Writes nothing. */
export async function driftCommand(context: CommandContext, options: { json?: boolean }): Promise<GateReport> {
  const report = await driftProject(context);
  const text = options.json ? JSON.stringify(report, null, 2) : [`Database: ${report.database}`, ...report.plugins.map(describe)].join('\n');
  return { passed: report.clean, text };
}

function describe(result: PluginDrift): string {
  const pending = result.pending > 0 ? `; ${result.pending} pending migration(s) not counted` : '';
  switch (result.drift) {
    case 'none':
      return `${result.plugin}: no drift (matches ${result.expected}${pending})`;
    case 'unknown':
      return `${result.plugin}: cannot judge drift: ${result.reason}`;
    case 'drift':
      return [`${result.plugin}: drift (differs from ${result.expected}${pending}); SQL that would restore it:`, ...result.sql.trimEnd().split('\n').map((line) => `  ${line}`)].join('\n');
    default:
      throw new Error(`Unknown drift state: ${String(result.drift satisfies never)}`);
  }
}
