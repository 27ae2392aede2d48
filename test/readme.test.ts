import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { execa } from 'execa';
import { SHELL_LANGUAGES, SKIP_MARKER, fencedBlocks, type FencedBlock } from './support/readme-blocks.ts';
import { REPO_ROOT } from './support/temp-project.ts';
import { POSTGRES_ADMIN_URL, createTestDatabase, withClient, type TestDatabase } from './support/test-databases.ts';

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
 *   together, in what the block printed (stdout and stderr in one pipe, in the order they were written). Timestamps in
 *   migration names, temporary paths and timings are normalised on both sides.
 * - A plain block whose lines start with `$ ` is a transcript: each `$ ` line is a command, run in
 *   order in the section's copy by one bash (so `export` and `cd` carry over), and the lines after
 *   it up to the next `$ ` are its whole output, normalised as above; `…` in them stands for any
 *   text. A command exits 0, or 1 when its output shows `Error [CODE]`, or N when it ends in
 *   `# exit code N`. The state it starts from is made by the section's shell blocks before it.
 *   A migration name in a command means the migration of that name on disk (a generated one's
 *   timestamp differs from the README's). UUIDs and ISO timestamps are normalised too.
 * - A PostgreSQL URL in a block (postgresql://…/<db>) gets a fresh database on the test server
 *   for each name and section (the section's blocks share it), dropped at the end; the output
 *   shows the README's name again. PostgreSQL roles get a fresh prefix per section
 *   (ORCHESTRATOR_ROLE_PREFIX), shown as the default `plugin_` and dropped at the end.
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
  /** A `$ `-transcript rather than a shell block: its commands and their output. */
  transcript?: TranscriptStep[];
}

interface TranscriptStep {
  command: string;
  expectedExit: number;
  output: string;
}

const PROMPT = '$ ';

function transcriptSteps(body: string): TranscriptStep[] | undefined {
  const lines = body.split('\n');
  if (!lines[0]?.startsWith(PROMPT)) return undefined;
  const steps: { command: string; output: string[] }[] = [];
  for (const line of lines) {
    if (line.startsWith(PROMPT)) steps.push({ command: line.slice(PROMPT.length), output: [] });
    else steps.at(-1)!.output.push(line);
  }
  return steps.map(({ command, output }) => {
    const marked = EXIT_CODE_COMMENT.exec(command);
    const text = output.join('\n');
    return { command: command.replace(EXIT_CODE_COMMENT, ''), expectedExit: marked ? Number(marked[1]) : /^Error \[[A-Z_]+\]/m.test(text) ? 1 : 0, output: text };
  });
}

function shellExamples(): ShellExample[] {
  const blocks = fencedBlocks(README);
  const examples: ShellExample[] = [];
  for (const block of blocks) {
    if (SHELL_LANGUAGES.has(block.language)) {
      examples.push({ block, outputs: [] });
      continue;
    }
    const transcript = block.language === '' ? transcriptSteps(block.body) : undefined;
    if (transcript) {
      examples.push({ block, outputs: [], transcript });
      continue;
    }
    const current = examples.at(-1);
    if (current && !current.transcript && current.block.section === block.section && OUTPUT_LANGUAGES.has(block.language) && /output/i.test(block.intro)) current.outputs.push(block);
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

const STEP_MARKER = '<<<readme-step-exit ';

/** One bash for the whole transcript; after each command a marker line with its exit code. */
function transcriptScript(steps: TranscriptStep[]): string {
  const commands = steps.map(({ command }) => `{ ${command.replace(MIGRATION_NAME, (name) => `"$(readme_migration ${name})"`)}\n} 2>&1; echo "${STEP_MARKER}$?>>>"`);
  return [MIGRATION_LOOKUP, ...commands].join('\n');
}

const MIGRATION_NAME = /\b\d{14}_\w+\b/g;
/**
 * A migration name in a command stands for the migration of that name on disk: one generated
 * while the section ran has another timestamp than the README shows.
 */
const MIGRATION_LOOKUP = `readme_migration() { if ls -d plugins/*/migrations/"$1" >/dev/null 2>&1; then echo "$1"; else ls plugins/*/migrations | grep -m1 -x "[0-9]\\{14\\}_\${1#*_}" || echo "$1"; fi; }`;

/** The shown output as a pattern: exact, but `…` stands for any text. */
function shownPattern(shown: string): RegExp {
  return new RegExp(`^${shown.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*?')}$`);
}

function normalise(text: string, replacements: [string, string][]): string {
  let result = text;
  for (const [from, to] of replacements) result = result.split(from).join(to);
  return result
    .replace(/\d{14}_/g, '<timestamp>_')
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uuid>')
    .replace(/\/tmp\/[\w.-]+/g, '<tmp>')
    .replace(/\b\d+(\.\d+)?\s?(ms|s)\b/g, '<time>')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .trim();
}

/** Drops the roles the blocks created under their prefixes (their objects went with the databases). */
async function dropRoles(prefixes: string[]): Promise<void> {
  await withClient(POSTGRES_ADMIN_URL, async (client) => {
    for (const prefix of prefixes) {
      const roles = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [prefix]);
      for (const { rolname } of roles.rows) await client.query(`DROP ROLE IF EXISTS "${rolname}"`);
    }
  });
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
  /** Per section: the README's database names and the fresh databases that stand in for them. */
  const sectionDatabases = new Map<string, Map<string, TestDatabase>>();
  const rolePrefixes = new Map<string, string>();
  after(async () => {
    for (const root of sandboxes.values()) rmSync(root, { recursive: true, force: true });
    for (const databases of sectionDatabases.values()) for (const database of databases.values()) await database.drop();
    await dropRoles([...rolePrefixes.values()]);
  });

  test('the README has shell blocks, and each one that does not run says why', () => {
    assert.ok(examples.length >= 4, `found ${examples.length} shell blocks`);
    assert.ok(examples.filter((example) => example.transcript).length >= 10, 'the README\'s `$ ` transcripts are found');
    for (const block of fencedBlocks(README).filter((candidate) => candidate.language === '' && /^\$ /m.test(candidate.body))) {
      assert.ok(block.body.startsWith(PROMPT), `README.md:${block.line}: a transcript starts with its first command ("$ …"), so the test runs it`);
    }
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
      const databases = sectionDatabases.get(block.section) ?? new Map<string, TestDatabase>();
      sectionDatabases.set(block.section, databases);
      const rolePrefix = rolePrefixes.get(block.section) ?? `r${randomBytes(4).toString('hex')}_`;
      rolePrefixes.set(block.section, rolePrefix);
      let script = example.transcript ? transcriptScript(example.transcript) : toScript(block.body);
      for (const readmeName of new Set([...script.matchAll(POSTGRES_URL)].map((match) => match[1]!))) {
        if (!databases.has(readmeName)) databases.set(readmeName, await createTestDatabase('postgresql'));
      }
      const replacements: [string, string][] = [[root, '<project>'], [rolePrefix, 'plugin_']];
      for (const [readme, database] of databases) {
        const fresh = new URL(database.url).pathname.slice(1);
        script = script.replace(POSTGRES_URL, (url, name: string) => (name === readme ? url.replace(new RegExp(`/${name}$`), `/${fresh}`) : url));
        replacements.push([fresh, readme]);
      }
      const env = { CI: 'true', DATABASE_URL: '', ORCHESTRATOR_PROVIDER: '', SHADOW_DATABASE_URL: '', ORCHESTRATOR_ROLE_PREFIX: rolePrefix };
      if (example.transcript) {
        const run = await execa('bash', ['-c', script], { cwd: root, env, reject: false });
        const printed = String(run.stdout).split('\n');
        let start = 0;
        for (const step of example.transcript) {
          const end = printed.findIndex((line, index) => index >= start && line.startsWith(STEP_MARKER));
          assert.ok(end >= 0, `README.md:${block.line}: "$ ${step.command}" did not finish:\n${printed.slice(start).join('\n')}\n${String(run.stderr)}`);
          const exitCode = Number(printed[end]!.slice(STEP_MARKER.length).replace('>>>', ''));
          const output = normalise(printed.slice(start, end).join('\n'), replacements);
          start = end + 1;
          assert.equal(exitCode, step.expectedExit, `README.md:${block.line}: "$ ${step.command}" exited ${exitCode}, expected ${step.expectedExit}:\n${output}`);
          const shown = normalise(step.output, []);
          assert.match(output, shownPattern(shown), `README.md:${block.line}: "$ ${step.command}" printed other output than the README shows.\nShown:\n${shown}\n\nPrinted:\n${output}`);
        }
        return;
      }
      // One pipe for stdout and stderr, so the output keeps the order it was written in.
      const run = await execa('bash', ['-c', `exec 2>&1\nset -e\n${script}`], { cwd: root, env, reject: false });
      const printed = normalise(String(run.stdout), replacements);
      assert.equal(run.exitCode, 0, `README.md:${block.line}: the block exited ${run.exitCode}:\n${printed}`);
      for (const output of outputs) {
        const shown = normalise(output.body, []);
        assert.ok(printed.includes(shown), `README.md:${output.line} shows output the block at line ${block.line} did not print.\nShown:\n${shown}\n\nPrinted:\n${printed}`);
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
