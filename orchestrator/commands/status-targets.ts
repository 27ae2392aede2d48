import type { Project } from '../config/load-project.ts';
import { isUpToDate } from '../status/plugin-status.ts';
import { readTargetsFile } from '../targets/read-targets-file.ts';
import type { Shard } from '../targets/shard.ts';
import { statusTargets, type TargetStatusResult } from '../targets/status-targets.ts';
import type { TargetsVerdict } from '../targets/targets-verdict.ts';
import { describeFailures, errorCell } from '../ui/target-failures.ts';
import { textTable } from '../ui/text-table.ts';

export interface StatusTargetsCommandOptions {
  targets: string;
  concurrency?: number;
  shard?: Shard;
  json?: boolean;
}

/** `status --targets <file>`: one line per target (or `--json`), then the failures in full. */
export async function statusTargetsCommand(project: Project, pluginNames: string[], options: StatusTargetsCommandOptions): Promise<{ text: string; verdict: TargetsVerdict }> {
  const report = await statusTargets(project, {
    targets: readTargetsFile(options.targets, project.root),
    plugins: pluginNames,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.shard ? { shard: options.shard } : {}),
  });
  if (options.json) return { text: JSON.stringify(report, null, 2), verdict: report.verdict };
  const { upToDate, notUpToDate, failed } = report.summary;
  const lines = [
    // A shard may get no target: targets are spread by a hash of their URL, evenly only on average.
    ...(report.targets.length === 0 ? [] : [textTable(['TARGET', 'RESULT', 'NEEDS ATTENTION'], report.targets.map((result) => [result.target, result.outcome, details(result)]))]),
    ...describeFailures(report.targets),
    '',
    `${report.targets.length} target(s)${report.shard ? ` (shard ${report.shard.index}/${report.shard.count} of ${report.listed})` : ''}: ${upToDate} up to date, ${notUpToDate} not up to date, ${failed} failed.`,
  ];
  return { text: lines.join('\n').trimStart(), verdict: report.verdict };
}

function details(result: TargetStatusResult): string {
  if (result.error) return errorCell(result.error);
  const status = result.status!;
  const plugins = status.plugins.filter((plugin) => !isUpToDate(plugin)).map((plugin) => {
    const counts = Object.entries({ pending: plugin.pending, failed: plugin.failed, interrupted: plugin.inProgress, modified: plugin.modified, missing: plugin.missing, renamed: plugin.renamed, 'out of order': plugin.outOfOrder })
      .filter(([, list]) => list.length > 0)
      .map(([label, list]) => `${list.length} ${label}`);
    return `${plugin.plugin} (${counts.join(', ')})`;
  });
  return [...plugins, ...status.removedPlugins.map((name) => `${name} (removed)`)].join(', ') || '-';
}
