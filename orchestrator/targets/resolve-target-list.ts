import { selectShard, type Shard } from './shard.ts';
import { resolveTargets, type Target } from './target.ts';

/** Targets as the API takes them: URLs (checked here), or targets read from a file (readTargetsFile). */
export type TargetList = readonly string[] | readonly Target[];

/** The targets this process works on: the list checked, then narrowed to the shard when one is given. */
export function resolveTargetList(list: TargetList, projectRoot: string, shard: Shard | undefined): { listed: number; targets: Target[] } {
  const targets = list.every((entry) => typeof entry === 'string')
    ? resolveTargets((list as readonly string[]).map((url, index) => ({ url, where: `targets[${index}]` })), projectRoot, 'The targets list')
    : [...(list as readonly Target[])];
  return { listed: targets.length, targets: shard ? selectShard(targets, shard) : targets };
}
