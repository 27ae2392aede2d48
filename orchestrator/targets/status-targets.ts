import type { Project } from '../config/load-project.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { readDatabaseStatus, type DatabaseStatus } from '../status/read-database-status.ts';
import { DEFAULT_CONCURRENCY, forEachTarget, type TargetOutcome } from './for-each-target.ts';
import { resolveTargetList, type TargetList } from './resolve-target-list.ts';
import type { Shard } from './shard.ts';
import type { TargetError } from './target-error.ts';
import { targetsVerdict, type TargetsVerdict } from './targets-verdict.ts';

export interface StatusTargetsOptions {
  targets: TargetList;
  /** Plugins to report (default: all). */
  plugins?: string[];
  /** Targets read at once (default 4). */
  concurrency?: number;
  shard?: Shard;
  onTargetSettled?: (result: TargetStatusResult, settledCount: number, total: number) => void;
}

export interface TargetStatusResult {
  /** The target's URL without its password. */
  target: string;
  outcome: 'up-to-date' | 'not-up-to-date' | 'failed';
  /** Each plugin's status and the removed plugins' history tables; absent when the target failed. */
  status?: Omit<DatabaseStatus, 'database'>;
  error?: TargetError;
}

export interface TargetsStatusReport {
  targets: TargetStatusResult[];
  listed: number;
  shard?: Shard;
  summary: { upToDate: number; notUpToDate: number; failed: number };
  /** ok, not-up-to-date, failed, or retryable (every failure may pass on a retry). */
  verdict: TargetsVerdict;
}

/** Reads the status of many databases or schemas, writing nothing; a target that cannot be read is reported, the others still are. */
export async function statusTargets(project: Project, options: StatusTargetsOptions): Promise<TargetsStatusReport> {
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, options.plugins ?? []);
  const { listed, targets } = resolveTargetList(options.targets, project.root, options.shard);
  const toResult = (outcome: TargetOutcome<DatabaseStatus>): TargetStatusResult => {
    if (outcome.state === 'done') {
      const { database: _, ...status } = outcome.value;
      return { target: outcome.target.displayUrl, outcome: status.upToDate ? 'up-to-date' : 'not-up-to-date', status };
    }
    // Status never skips (it has no --fail-fast), so anything else failed.
    return { target: outcome.target.displayUrl, outcome: 'failed', ...(outcome.state === 'failed' ? { error: outcome.error } : {}) };
  };
  const outcomes = await forEachTarget<DatabaseStatus>(
    targets,
    {
      concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
      ...(options.onTargetSettled ? { onSettled: (outcome, count) => options.onTargetSettled!(toResult(outcome), count, targets.length) } : {}),
    },
    (target) => readDatabaseStatus(project, target.url, plugins, allPlugins),
  );
  const results = outcomes.map(toResult);
  const count = (outcome: TargetStatusResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
  return {
    targets: results,
    listed,
    ...(options.shard ? { shard: options.shard } : {}),
    summary: { upToDate: count('up-to-date'), notUpToDate: count('not-up-to-date'), failed: count('failed') },
    verdict: targetsVerdict(results.flatMap((result) => (result.error ? [result.error] : [])), results.every((result) => result.outcome === 'up-to-date')),
  };
}
