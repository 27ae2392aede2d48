import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { parseBenchOptions } from '../bench/bench-options.ts';
import { Results, evaluateTargets } from '../bench/print-results.ts';
import { sampleTreeRss } from '../bench/process-tree-rss.ts';

/** The benchmark's own parts whose mistakes would not show in its output: options, verdicts, memory. */
describe('the benchmark harness', () => {
  test('by default it runs the sizes the targets are judged at', () => {
    const options = parseBenchOptions([]);
    assert.notEqual(options, 'help');
    if (options === 'help') return;
    for (const size of [50, 200, 1000]) assert.ok(options.sizes.includes(size), `default sizes lack N=${size}`);
    assert.deepEqual(options.providers, ['sqlite', 'postgresql']);
    assert.equal(options.tenants, 50);
  });

  test('a quick run is one option away, and bad numbers are refused with the usage', () => {
    const quick = parseBenchOptions(['--sizes', '10', '--rounds', '1', '--tenants', '0']);
    assert.deepEqual(quick === 'help' ? null : [quick.sizes, quick.rounds, quick.tenants], [[10], 1, 0]);
    assert.equal(parseBenchOptions(['--help']), 'help');
    assert.throws(() => parseBenchOptions(['--sizes', '10,x']), /--sizes takes whole numbers[\s\S]*Usage: npm run bench/);
    assert.throws(() => parseBenchOptions(['--rounds', '0']), /--rounds/);
    assert.throws(() => parseBenchOptions(['--providers', 'mysql']), /--providers/);
  });

  test('each target is PASS or MISS by its own threshold, and SKIP when its size was not run', () => {
    const results = new Results();
    const run = (wallMs: number, maxRssKiB: number | null = null) => ({ wallMs, maxRssKiB });
    results.set('postgresql', 'floor', 200, run(1000));
    results.set('postgresql', 'deploy-fresh-built', 200, run(1290));
    results.set('postgresql', 'prisma-deploy-fresh', 200, run(1600));
    results.set('postgresql', 'deploy-noop-built', 200, run(300));
    results.set('postgresql', 'prisma-deploy-noop', 200, run(1400));
    results.set('postgresql', 'deploy-noop-built', 1000, run(520, 200 * 1024));
    results.set('postgresql', 'generate-init-built', 1000, run(2000, 310 * 1024));
    results.set('postgresql', 'generate-update-built', 1000, run(2900));
    // Prisma's memory is not the orchestrator's: it must not fail the memory target.
    results.set('postgresql', 'prisma-deploy-fresh', 1000, run(9000, 900 * 1024));
    const lines = evaluateTargets(results, ['postgresql']);
    const line = (text: string) => lines.find((candidate) => candidate.includes(text)) ?? assert.fail(`no line for "${text}" in:\n${lines.join('\n')}`);
    assert.match(line('N=200 within 1.3x of the psql'), /^PASS .*1\.29x/);
    assert.match(line('N=200 at least 1.3x faster'), /^MISS .*1\.24x/);
    assert.match(line('no-op deploy at N=200 at least 5x'), /^MISS .*4\.67x/);
    assert.match(line('no-op deploy at N=50'), /^SKIP /);
    assert.match(line('no-op deploy of 1000 plugins'), /^MISS .*520ms/);
    assert.match(line('generate of 1000 plugins'), /^PASS .*update 2900ms/);
    assert.match(line('peak memory under 300 MB'), /^MISS .*310MB/);
    assert.match(line('sqlite fresh deploy'), /^SKIP /);
    assert.doesNotMatch(line('N=200 within 1.3x of the psql'), /beyond reach/, 'no floor + history measured: no bound claimed');

    // When psql applying only the history on top of the floor already needs more than 1.3x, the line says so, with the figures.
    results.set('postgresql', 'deploy-fresh-built', 200, run(1600));
    results.set('postgresql', 'floor-with-history', 200, run(1450));
    const bounded = evaluateTargets(results, ['postgresql']).find((candidate) => candidate.includes('N=200 within 1.3x of the psql'))!;
    assert.match(bounded, /^MISS .*1\.60x \(1600ms vs 1000ms\); beyond reach with a history table per plugin: .* 1\.45x \(1450ms vs 1000ms\), over 1\.3x/);
  });

  test('peak memory counts a child process that the parent waits on', async () => {
    // The parent stays small; its child holds ~150 MB for a moment, as the Prisma CLI's engine does.
    const child = `const b = Buffer.alloc(150 * 2 ** 20, 1); setTimeout(() => console.log(b[0]), 600);`;
    const parent = execa(process.execPath, ['-e', `require('node:child_process').execFileSync(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'inherit' })`]);
    const sampler = sampleTreeRss(parent.pid!, { includeRoot: true });
    await parent;
    const peakKiB = sampler.stop();
    assert.ok(peakKiB !== null && peakKiB > 150 * 1024, `sampled ${peakKiB} KiB for a tree holding over 150 MB`);
  });
});
