import { createHash } from 'node:crypto';
import { OrchestratorError } from '../errors.ts';
import type { Target } from './target.ts';

/** `--shard i/N`: this process takes shard `index` (0-based, as JOB_COMPLETION_INDEX counts) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Reads `i/N` (0 ≤ i < N). */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(count) || count < 1 || index >= count) {
    throw new OrchestratorError('CONFIG_INVALID', `--shard "${text}" is not a shard: expected i/N with 0 ≤ i < N, e.g. 0/4.`, {
      fix: 'Pass the shard index counted from 0 and the number of shards, e.g. --shard "$JOB_COMPLETION_INDEX/4" in a Kubernetes Indexed Job of completions 4.',
    });
  }
  return { index, count };
}

/**
 * The shard a target belongs to: a hash of its key (host, port, database, schema; or file) mod
 * N. It depends on that target alone, so adding or removing targets, reordering the file or
 * changing a password never moves any other target; only changing N does. For a small list the
 * shards are uneven (a hash spreads evenly only on average).
 */
export function shardOf(target: Target, count: number): number {
  return createHash('sha256').update(target.key).digest().readUInt32BE(0) % count;
}

/** The targets of one shard, in list order. Over i = 0…N-1 the shards cover every target exactly once. */
export function selectShard<T extends Target>(targets: T[], shard: Shard): T[] {
  return targets.filter((target) => shardOf(target, shard.count) === shard.index);
}
