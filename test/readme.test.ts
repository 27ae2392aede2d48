import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { execa } from 'execa';
import { SHELL_LANGUAGES, SKIP_MARKER, fencedBlocks, type FencedBlock } from './support/readme-blocks.ts';
import { REPO_ROOT } from './support/temp-project.ts';
import { createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/*
 * Every shell block of the README runs, as written, and the output the README shows is compared
 * with what it really prints (Umzug's test/examples.test.ts does this for its examples).
 *
 * How a block is covered:
 * - Each ```sh (bash, shell) block runs with bash -e in a fresh copy of the project as a new user
 *   has it after `npm install` (plugins/, prisma-templates/, the config; the code and node_modules
 *   linked); the blocks of one section share that copy, in order. The line `npm install` is that
 *   copy, so it is not run. CI=true, so task lists print plain lines; DATABASE_URL and
 *   ORCHESTRATOR_PROVIDER are unset.
 * - It must exit 0, except a line ending in `# exit code N`, which must exit N (the block goes on).
 * - A plain (```text, ```mermaid, ```dot) block after it in the same section, before the next shell block, whose
 *   introducing line says "output", is that block's output: its lines must appear, in order and
 *   together, in what the block printed (stdout and stderr as they interleave). Timestamps in
 *   migration names, temporary paths and timings are normalised on both sides.
 * - A PostgreSQL URL in a block (postgresql://…/<db>) gets a fresh database on the test server
 *   for each name, created before and dropped after; the output shows the README's name again.
 * - A block that needs what a test cannot have (docker, minutes of benchmark, the test suite
 *   itself) opts out with `<!-- readme-test: skip (the reason) -->` on the line before its fence.
 */

const README = path.join(REPO_ROOT, 'README.md');
/** Languages an output block may have: plain, or a diagram GitHub draws (graph's Mermaid). */
const OUTPUT_LANGUAGES = new Set(['', 'text', 'mermaid', 'dot']);
const EXIT_CODE_COMMENT = /\s+#\s*exit code (\d+)\s*$/;
const POSTGRES_URL = /postgresql:\/\/[^\s/'"]+\/(\w+)/g;

interface ShellExample {
  block: FencedBlock;
  outputs: FencedBlock[];
}

function shellExamples(): ShellExample[] {
  const blocks = fencedBlocks(README);
  const examples: ShellExample[] = [];
  for (const block of blocks) {
    if (SHELL_LANGUAGES.has(block.language)) {
      examples.push({ block, outputs: [] });
      continue;
    }
    const current = examples.at(-1);
    if (current && current.block.section === block.section && OUTPUT_LANGUAGES.has(block.language) && /output/i.test(block.intro)) current.outputs.push(block);
  }
  return examples;
}

/** The block as bash runs it: `npm install` is the sandbox itself; `# exit code N` lines check their status. */
function toScript(body: string): string {
  return body
    .split('\n')
    .filter((line) => line.trim() !== 'npm install')
    .map((line) => {
      const expected = EXIT_CODE_COMMENT.exec(line);
      if (!expected) return line;
      const command = line.replace(EXIT_CODE_COMMENT, '');
      return `status=0; ${command} || status=$?; if [ "$status" -ne ${expected[1]} ]; then echo "README: expected exit code ${expected[1]}, got $status: ${command.replace(/["`$\\]/g, '')}" >&2; exit 99; fi`;
    })
    .join('\n');
}

function normalise(text: string, replacements: [string, string][]): string {
  let result = text;
  for (const [from, to] of replacements) result = result.split(from).join(to);
  return result
    .replace(/\d{14}_/g, '<timestamp>_')
    .replace(/\/tmp\/[\w.-]+/g, '<tmp>')
    .replace(/\b\d+(\.\d+)?\s?(ms|s)\b/g, '<time>')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/** A copy of the project as a new user has it after `npm install`, with no database yet. */
function sandbox(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'orchestrator-readme-'));
  for (const entry of ['plugins', 'prisma-templates', 'orchestrator.config.json']) {
    cpSync(path.join(REPO_ROOT, entry), path.join(root, entry), { recursive: true, filter: (source) => !source.includes(`${path.sep}generated`) });
  }
  for (const entry of ['orchestrator', 'node_modules', 'package.json', 'scripts', 'examples']) symlinkSync(path.join(REPO_ROOT, entry), path.join(root, entry));
  return root;
}

describe('every shell block of the README runs as written and prints what the README shows', { timeout: 600_000 }, () => {
  const examples = shellExamples();
  const sandboxes = new Map<string, string>();
  after(() => {
    for (const root of sandboxes.values()) rmSync(root, { recursive: true, force: true });
  });

  test('the README has shell blocks, and each one that does not run says why', () => {
    assert.ok(examples.length >= 4, `found ${examples.length} shell blocks`);
    for (const { block } of examples.filter((example) => SKIP_MARKER.test(example.block.intro))) {
      assert.match(block.intro, /skip\s*\(.+\)/, `README.md:${block.line}: say why the block is skipped: <!-- readme-test: skip (reason) -->`);
    }
  });

  for (const example of examples) {
    const { block, outputs } = example;
    const name = `README.md:${block.line} (${block.section}): ${block.body.split('\n')[0]}`;
    test(name, { skip: SKIP_MARKER.test(block.intro) ? block.intro : false }, async () => {
      const root = sandboxes.get(block.section) ?? sandbox();
      sandboxes.set(block.section, root);
      const databases: { readme: string; database: TestDatabase }[] = [];
      try {
        let script = toScript(block.body);
        for (const readmeName of new Set([...script.matchAll(POSTGRES_URL)].map((match) => match[1]!))) databases.push({ readme: readmeName, database: await createTestDatabase('postgresql') });
        const replacements: [string, string][] = [[root, '<project>']];
        for (const { readme, database } of databases) {
          const fresh = new URL(database.url).pathname.slice(1);
          script = script.replace(POSTGRES_URL, (url, name: string) => (name === readme ? url.replace(new RegExp(`/${name}$`), `/${fresh}`) : url));
          replacements.push([fresh, readme]);
        }
        const run = await execa('bash', ['-e', '-c', script], { cwd: root, env: { CI: 'true', DATABASE_URL: '', ORCHESTRATOR_PROVIDER: '', SHADOW_DATABASE_URL: '' }, all: true, reject: false });
        const printed = normalise(String(run.all), replacements);
        assert.equal(run.exitCode, 0, `README.md:${block.line}: the block exited ${run.exitCode}:\n${printed}`);
        for (const output of outputs) {
          const shown = normalise(output.body, []);
          assert.ok(printed.includes(shown), `README.md:${output.line} shows output the block at line ${block.line} did not print.\nShown:\n${shown}\n\nPrinted:\n${printed}`);
        }
      } finally {
        for (const { database } of databases) await database.drop();
      }
    });
  }

  test("the README's API example is examples/api/deploy.ts as it is (test/package.test.ts runs that file)", () => {
    const example = readFileSync(path.join(REPO_ROOT, 'examples/api/deploy.ts'), 'utf8');
    const shown = fencedBlocks(README).filter((block) => block.language === 'ts' && block.body.includes("from 'prisma-plugin-orchestrator'"));
    assert.equal(shown.length, 1, 'one ts block imports the package');
    assert.equal(`${shown[0]!.body}\n`, example);
  });

  test('the quick start leaves exactly the two plugins\' tables and history tables, and a second deploy does nothing', async () => {
    const quickStart = examples.find((example) => example.block.body.startsWith('npm install\n'));
    assert.ok(quickStart, 'the quick start block starts with npm install');
    const root = sandboxes.get(quickStart.block.section);
    assert.ok(root, 'the quick start block ran');
    const db = new BetterSqlite3(path.join(root, 'data/app.db'));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    db.close();
    assert.deepEqual(tables.map((row) => (row as { name: string }).name), ['_prisma_migrations_one', '_prisma_migrations_two', 'books', 'users']);
    const again = await execa('npx', ['tsx', 'orchestrator', 'deploy'], { cwd: root, env: { CI: 'true', DATABASE_URL: '', ORCHESTRATOR_PROVIDER: '' } });
    assert.equal(String(again.stdout).trim(), 'Nothing to deploy: 2 plugin(s) up to date on file:./data/app.db.');
  });
});
