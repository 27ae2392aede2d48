import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import { graph } from '../orchestrator/api/index.ts';
import { renderDot } from '../orchestrator/graph/render-dot.ts';
import { renderMermaid } from '../orchestrator/graph/render-mermaid.ts';
import { REPO_ROOT } from './support/temp-project.ts';

const CLI = path.join(REPO_ROOT, 'orchestrator/index.ts');

/** A project with the commerce fixture's v2 plugins: a diamond, enums, join tables, and no migrations needed. */
function commerceProject(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'orchestrator-graph-'));
  cpSync(path.join(REPO_ROOT, 'test/fixtures/commerce/v2/plugins'), path.join(root, 'plugins'), { recursive: true });
  cpSync(path.join(REPO_ROOT, 'prisma-templates'), path.join(root, 'prisma-templates'), { recursive: true });
  return root;
}

test('graph reads each plugin with Prisma: dependencies, owned tables (join tables too) and enums, in dependency order', async () => {
  const root = commerceProject();
  try {
    const { plugins, text } = await graph({ projectDir: root, env: {} });
    assert.deepEqual(plugins.map((plugin) => plugin.name), ['catalog', 'customers', 'orders', 'reviews', 'loyalty', 'shipping']);
    const orders = plugins.find((plugin) => plugin.name === 'orders')!;
    assert.deepEqual(orders.dependsOn, ['catalog', 'customers']);
    assert.ok(orders.tables.includes('order_items') && orders.tables.includes('_CouponToProduct'), orders.tables.join(' '));
    assert.deepEqual(orders.enums, ['OrderStatus', 'PaymentStatus']);
    // Another plugin's tables never appear under this one, though its schema holds copies of them.
    assert.ok(!orders.tables.includes('products'));
    assert.match(text, /^flowchart BT\n/);
    assert.match(text, /\n {2}plugin_loyalty -->\|depends on\| plugin_reviews(\n|$)/);

    const only = await graph({ projectDir: root, env: {}, plugins: ['reviews'], format: 'dot' });
    assert.deepEqual(only.plugins.map((plugin) => plugin.name), ['reviews']);
    // Edges go only to plugins shown.
    assert.doesNotMatch(only.text, /->/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('Mermaid and DOT escape what would end a label, and a plugin may be called end (a Mermaid keyword)', () => {
  const plugins = [
    { name: 'end', version: '1.0.0', dependsOn: [], tables: ['a"b<c>#d'], enums: ['E\\'] },
    { name: 'two', version: '2.0.0', dependsOn: ['end', 'not_shown'], tables: [], enums: [] },
  ];
  assert.equal(
    renderMermaid(plugins),
    ['flowchart BT', '  plugin_end["end 1.0.0<br/>a#34;b#60;c#62;#35;d<br/>enum E\\"]', '  plugin_two["two 2.0.0"]', '  plugin_two -->|depends on| plugin_end'].join('\n'),
  );
  assert.equal(
    renderDot(plugins),
    ['digraph plugins {', '  rankdir=BT;', '  node [shape=box];', '  "end" [label="end 1.0.0\\la\\"b<c>#d\\lenum E\\\\\\l"];', '  "two" [label="two 2.0.0\\l"];', '  "two" -> "end" [label="depends on"];', '}'].join('\n'),
  );
});

test('the graph command prints DOT with --format dot, the data with --json, and refuses an unknown format', async () => {
  const run = await execa('node', ['--import', 'tsx', CLI, 'graph', '--format', 'dot'], { cwd: REPO_ROOT, env: { ORCHESTRATOR_PROVIDER: '' }, reject: false });
  assert.equal(run.exitCode, 0, String(run.stderr));
  assert.equal(
    String(run.stdout),
    ['digraph plugins {', '  rankdir=BT;', '  node [shape=box];', '  "one" [label="one 1.0.0\\lbooks\\l"];', '  "two" [label="two 1.0.0\\lusers\\l"];', '  "two" -> "one" [label="depends on"];', '}'].join('\n'),
  );
  const json = await execa('node', ['--import', 'tsx', CLI, 'graph', 'one', '--json'], { cwd: REPO_ROOT, env: { ORCHESTRATOR_PROVIDER: '' } });
  assert.deepEqual(JSON.parse(String(json.stdout)), { plugins: [{ name: 'one', version: '1.0.0', dependsOn: [], tables: ['books'], enums: [] }] });
  const refused = await execa('node', ['--import', 'tsx', CLI, 'graph', '--format', 'svg'], { cwd: REPO_ROOT, reject: false });
  assert.equal(refused.exitCode, 1);
  assert.match(String(refused.stderr), /argument 'svg' is invalid\. Allowed choices are mermaid, dot/);
});
