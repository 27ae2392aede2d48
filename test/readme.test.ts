import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { execa } from 'execa';
import { REPO_ROOT } from './support/temp-project.ts';

/** The fenced blocks of the README, in order, with the line that introduces each. */
function readmeBlocks(): { intro: string; body: string }[] {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  return [...readme.matchAll(/([^\n]*)\n\n?```\w*\n([\s\S]*?)```/g)].map((match) => ({ intro: match[1]!, body: match[2]! }));
}

test("the README's quick start runs as written and prints what the README shows", async () => {
  const blocks = readmeBlocks();
  const quickStart = blocks.find((block) => block.body.startsWith('npm install\n'))!;
  const shownOutput = blocks[blocks.indexOf(quickStart) + 1]!.body;
  const command = quickStart.body.trim().split('\n').at(-1)!;
  assert.equal(command, 'npx tsx orchestrator deploy');

  // A copy of the project as a new user has it after `npm install`, with no database yet.
  const root = mkdtempSync(path.join(tmpdir(), 'orchestrator-readme-'));
  try {
    for (const entry of ['plugins', 'prisma-templates', 'orchestrator.config.json']) cpSync(path.join(REPO_ROOT, entry), path.join(root, entry), { recursive: true });
    for (const entry of ['orchestrator', 'node_modules', 'package.json']) symlinkSync(path.join(REPO_ROOT, entry), path.join(root, entry));
    const env = { CI: 'true', DATABASE_URL: '', ORCHESTRATOR_PROVIDER: '' };
    const run = await execa(command, { shell: true, cwd: root, env, reject: false });
    assert.equal(run.exitCode, 0, String(run.stderr));
    assert.equal(String(run.stdout).trim(), shownOutput.trim());

    const db = new BetterSqlite3(path.join(root, 'data/app.db'));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
    db.close();
    assert.deepEqual(tables.map((row) => (row as { name: string }).name), ['_prisma_migrations_one', '_prisma_migrations_two', 'books', 'users']);

    const again = await execa(command, { shell: true, cwd: root, env, reject: false });
    assert.equal(String(again.stdout).trim(), 'Nothing to deploy: 2 plugin(s) up to date on file:./data/app.db.');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
