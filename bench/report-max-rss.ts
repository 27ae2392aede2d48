/**
 * Preloaded (`node --import`) into every orchestrator process the benchmark spawns: at exit it
 * writes the process's peak RSS in KiB to $BENCH_MAX_RSS_FILE. Node cannot read a child's
 * rusage, and this works wherever node does, with no /usr/bin/time needed.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_MAX_RSS_FILE;
if (target) {
  // 'exit' also fires after an uncaught error; only a signal kill leaves no report.
  process.on('exit', () => writeFileSync(target, String(process.resourceUsage().maxRSS)));
}
