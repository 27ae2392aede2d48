import { readFileSync } from 'node:fs';

/**
 * How often the process tree's RSS is read. GNU time's %M only knows the largest single process;
 * a CLI that runs its engine as a child needs the sum. Reading a few /proc files every 20 ms
 * costs the measured processes next to nothing.
 */
const SAMPLE_INTERVAL_MS = 20;

export interface TreeRssSampler {
  /** Stops sampling; the largest sum seen, in KiB, or null when /proc could not be read (not Linux). */
  stop(): number | null;
}

/**
 * Samples the summed RSS of `rootPid` and all its descendants until stopped. Linux only: it reads
 * /proc/<pid>/status and /proc/<pid>/task/<pid>/children (child processes are spawned by the
 * main thread in node, GNU time and the database clients).
 */
export function sampleTreeRss(rootPid: number, options: { includeRoot: boolean }): TreeRssSampler {
  let peak: number | null = null;
  const sample = () => {
    const total = treeRss(rootPid, options.includeRoot);
    if (total !== null && total > 0) peak = Math.max(peak ?? 0, total);
  };
  sample();
  const timer = setInterval(sample, SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

function treeRss(rootPid: number, includeRoot: boolean): number | null {
  let total = 0;
  let readable = false;
  const pending: [number, boolean][] = [[rootPid, includeRoot]];
  while (pending.length > 0) {
    const [pid, counted] = pending.pop()!;
    const children = readChildren(pid);
    if (children === null) continue;
    readable = true;
    if (counted) total += readRssKiB(pid);
    for (const child of children) pending.push([child, true]);
  }
  return readable ? total : null;
}

/** Null when the process is gone (or /proc lacks the file). */
function readChildren(pid: number): number[] | null {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter((text) => text !== '').map(Number);
  } catch {
    return null;
  }
}

function readRssKiB(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
