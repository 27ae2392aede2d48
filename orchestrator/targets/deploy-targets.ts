import type { Project } from '../config/load-project.ts';
import { deployDatabase, lazyProjectModel, type DeployOptions } from '../deploy/deploy-database.ts';
import type { DeployResult } from '../deploy/run-deploy.ts';
import { discoverPlugins, selectPlugins } from '../plugins/discover-plugins.ts';
import { DEFAULT_CONCURRENCY, forEachTarget, type TargetOutcome } from './for-each-target.ts';
import { resolveTargetList, type TargetList } from './resolve-target-list.ts';
import type { Shard } from './shard.ts';
import type { TargetError } from './target-error.ts';
import { targetsVerdict, type TargetsVerdict } from './targets-verdict.ts';

export interface DeployTargetsOptions extends DeployOptions {
  /** The databases (or schemas, `?schema=`) to deploy to. */
  targets: TargetList;
  /** Plugins to deploy, with their dependencies (default: all). */
  plugins?: string[];
  /** Targets deployed at once, each on its own connection and under its own lock (default 4). */
  concurrency?: number;
  /** After the first failed target, start no new one (those running finish; the rest are `skipped`). */
  failFast?: boolean;
  /** Deploy only this shard of the list (see shard.ts). */
  shard?: Shard;
  /** Told as each target finishes. */
  onTargetSettled?: (result: TargetDeployResult, settledCount: number, total: number) => void;
  /** Told every few seconds while another deploy holds a target's lock. */
  onWait?: (target: string, message: string) => void;
}

export interface TargetDeployResult {
  /** The target's URL without its password. */
  target: string;
  outcome: 'deployed' | 'up-to-date' | 'failed' | 'skipped';
  /**
   * Each plugin that applied migrations in this run, and which. For a failed target, those
   * committed before the failure (the failing one is not among them: it was rolled back).
   */
  applied: DeployResult[];
  error?: TargetError;
  /** Wall time of this target's deploy; absent when skipped. */
  durationMs?: number;
}

export interface TargetsDeployReport {
  /** In list order (the shard's part of it), whatever order they finished in. */
  targets: TargetDeployResult[];
  /** How many targets the list has before sharding. */
  listed: number;
  shard?: Shard;
  concurrency: number;
  summary: { deployed: number; upToDate: number; failed: number; skipped: number };
  /** ok, failed, or retryable (every failure may pass on a retry). */
  verdict: TargetsVerdict;
}

/**
 * Deploys the same plugins to many databases or schemas, `concurrency` at a time, each under its
 * own deploy lock and with the same checks as a single deploy. A failing target is reported and
 * the others go on (unless `failFast`). Never throws for a target's failure; throws only for what
 * fails them all before any connects (an unreadable plugin, a bad URL in the list).
 *
 * @example
 *   const report = await deployTargets(loadProject('.'), { targets: ['postgresql://app@db/app?schema=tenant_a', …], concurrency: 8, ...NO_OVERRIDES });
 *   for (const t of report.targets) console.log(t.target, t.outcome, t.error?.code);
 */
export async function deployTargets(project: Project, options: DeployTargetsOptions): Promise<TargetsDeployReport> {
  const { targets: list, plugins: pluginNames = [], concurrency = DEFAULT_CONCURRENCY, failFast, shard, onTargetSettled, onWait, ...deployOptions } = options;
  const allPlugins = discoverPlugins(project.pluginsDir);
  const plugins = selectPlugins(allPlugins, pluginNames, { withDependencies: true });
  const model = lazyProjectModel(project, allPlugins);
  const { listed, targets } = resolveTargetList(list, project.root, shard);
  // What each target applied so far, kept here so a target that fails half way still reports it.
  const applied = new Map<string, DeployResult[]>();
  const toResult = (outcome: TargetOutcome<unknown>): TargetDeployResult => {
    const done = applied.get(outcome.target.key) ?? [];
    const target = outcome.target.displayUrl;
    if (outcome.state === 'skipped') return { target, outcome: 'skipped', applied: done };
    if (outcome.state === 'failed') return { target, outcome: 'failed', applied: done, error: outcome.error, durationMs: outcome.durationMs };
    return { target, outcome: done.length > 0 ? 'deployed' : 'up-to-date', applied: done, durationMs: outcome.durationMs };
  };
  const outcomes = await forEachTarget(
    targets,
    {
      concurrency,
      failFast: failFast === true,
      ...(onTargetSettled ? { onSettled: (outcome, count) => onTargetSettled(toResult(outcome), count, targets.length) } : {}),
    },
    async (target) => {
      const done: DeployResult[] = [];
      applied.set(target.key, done);
      await deployDatabase(project, target.url, plugins, model, {
        ...deployOptions,
        ...(onWait ? { onWait: (message: string) => onWait(target.displayUrl, message) } : {}),
        async runSteps(steps) {
          for (const step of steps) {
            const result: DeployResult = { plugin: step.plugin, applied: [] };
            await step.run((migration) => {
              if (result.applied.push(migration) === 1) done.push(result);
            });
          }
        },
      });
    },
  );
  const results = outcomes.map(toResult);
  const count = (outcome: TargetDeployResult['outcome']) => results.filter((result) => result.outcome === outcome).length;
  return {
    targets: results,
    listed,
    ...(shard ? { shard } : {}),
    concurrency,
    summary: { deployed: count('deployed'), upToDate: count('up-to-date'), failed: count('failed'), skipped: count('skipped') },
    verdict: targetsVerdict(results.flatMap((result) => (result.error ? [result.error] : []))),
  };
}
