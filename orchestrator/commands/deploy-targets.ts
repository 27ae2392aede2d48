import type { Project } from '../config/load-project.ts';
import type { DeployOptions } from '../deploy/deploy-database.ts';
import { deployTargets, type TargetDeployResult } from '../targets/deploy-targets.ts';
import { readTargetsFile } from '../targets/read-targets-file.ts';
import type { Shard } from '../targets/shard.ts';
import type { TargetsVerdict } from '../targets/targets-verdict.ts';
import { describeFailures, errorCell } from '../ui/target-failures.ts';
import { textTable } from '../ui/text-table.ts';

export interface DeployTargetsCommandOptions extends DeployOptions {
  targets: string;
  concurrency?: number;
  failFast?: boolean;
  shard?: Shard;
  json?: boolean;
}

/**
 * `deploy --targets <file>`: deploys to every database the file lists. Progress goes to stderr
 * one line per target; the report (a table, or `--json`) is returned for stdout.
 */
export async function deployTargetsCommand(project: Project, pluginNames: string[], options: DeployTargetsCommandOptions): Promise<{ text: string; verdict: TargetsVerdict }> {
  const { targets: file, json, ...rest } = options;
  const report = await deployTargets(project, {
    ...rest,
    targets: readTargetsFile(file, project.root),
    plugins: pluginNames,
    onTargetSettled: (result, settled, total) => console.error(`[${settled}/${total}] ${result.outcome} ${result.target}${result.error ? ` (${result.error.code})` : ''}`),
    onWait: (target, message) => console.error(`${target}: ${message}`),
  });
  if (json) return { text: JSON.stringify(report, null, 2), verdict: report.verdict };
  const { deployed, upToDate, failed, skipped } = report.summary;
  const scope = report.shard ? `shard ${report.shard.index}/${report.shard.count}: ${report.targets.length} of ${report.listed} target(s)` : `${report.listed} target(s)`;
  const lines = [
    // A shard may get no target: targets are spread by a hash of their URL, evenly only on average.
    ...(report.targets.length === 0 ? [] : [textTable(['TARGET', 'RESULT', 'APPLIED'], report.targets.map((result) => [result.target, result.outcome, details(result)]))]),
    ...describeFailures(report.targets),
    '',
    `${scope}, concurrency ${report.concurrency}: ${deployed} deployed, ${upToDate} up to date, ${failed} failed, ${skipped} skipped.`,
  ];
  return { text: lines.join('\n').trimStart(), verdict: report.verdict };
}

function details(result: TargetDeployResult): string {
  const applied = result.applied.map((plugin) => `${plugin.plugin} +${plugin.applied.length}`).join(', ');
  if (result.error) return applied ? `${applied}; then ${errorCell(result.error)}` : errorCell(result.error);
  if (result.outcome === 'skipped') return 'not started (--fail-fast)';
  return applied || '-';
}
