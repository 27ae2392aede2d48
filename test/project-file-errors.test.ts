import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT, cliCommand, createTempProject, examplePlugins, type CliResult, type TempProject } from './support/temp-project.ts';

/** Each case: a broken project, the command that reads the broken part, and what the error must say. */
const CASES: { name: string; command: string; breakIt(project: TempProject): void; code: string; says: RegExp }[] = [
  {
    name: 'a broken symbolic link in plugins/',
    command: 'status',
    breakIt: (project) => symlinkSync(path.join(project.root, 'nowhere'), path.join(project.root, 'plugins', 'gone')),
    code: 'PLUGIN_MANIFEST_INVALID',
    says: /plugins\/gone is a symbolic link to a path that does not exist\.\nFix: Restore the link's target, or remove the link\./,
  },
  {
    name: 'a .prisma "file" that is a folder',
    command: 'generate',
    breakIt: (project) => mkdirSync(path.join(project.pluginDir('one'), 'extra.prisma')),
    code: 'PLUGIN_MODELS_INVALID',
    says: /plugins\/one\/extra\.prisma is a folder, not a file\./,
  },
  {
    name: 'a plugin.json that is a folder',
    command: 'status',
    breakIt: (project) => {
      rmSync(path.join(project.pluginDir('two'), 'plugin.json'));
      mkdirSync(path.join(project.pluginDir('two'), 'plugin.json'));
    },
    code: 'PLUGIN_MANIFEST_INVALID',
    says: /plugins\/two\/plugin\.json is a folder, not a file\./,
  },
  {
    name: 'a plugins "folder" that is a file',
    command: 'status',
    breakIt: (project) => {
      rmSync(path.join(project.root, 'plugins'), { recursive: true });
      writeFileSync(path.join(project.root, 'plugins'), '');
    },
    code: 'PLUGIN_NOT_FOUND',
    says: /plugins is a file, not a folder\./,
  },
];

describe('project files that cannot be read are errors naming the path and the fix, never a stack trace', () => {
  for (const { name, command, breakIt, code, says } of CASES) {
    test(name, async () => {
      const project = createTempProject('sqlite', examplePlugins());
      try {
        breakIt(project);
        const run = await project.cli([command]);
        assertClearError(run, code, says);
      } finally {
        project.remove();
      }
    });
  }

  test('a plain file among the plugin folders is ignored (a README, say)', async () => {
    const project = createTempProject('sqlite', examplePlugins());
    try {
      writeFileSync(path.join(project.root, 'plugins', 'README.md'), '# plugins\n');
      const run = await project.cli(['status']);
      assert.equal(run.exitCode, 0, run.stderr);
    } finally {
      project.remove();
    }
  });

  // Root reads every file regardless of its mode, so the CLI runs as the unprivileged user `nobody`.
  const asRoot = process.getuid?.() === 0;
  test('a model file this user may not read: permission denied, with the uid to grant', { skip: asRoot ? false : 'needs root, to run the CLI as another user' }, async (t) => {
    const { stdout } = await execa('id', ['-u', 'nobody']);
    const nobody = Number(stdout);
    // nobody must reach the CLI itself: a checkout below a private folder (mktemp -d is 0700) cannot be tested this way.
    const entry = cliCommand().args.at(-1)!;
    const reachable = await execa(process.execPath, ['-e', 'require("node:fs").accessSync(process.argv[1], require("node:fs").constants.R_OK)', entry], { reject: false, cwd: '/', uid: nobody, gid: nobody });
    if (reachable.exitCode !== 0) {
      t.skip(`the user nobody cannot read ${entry} (a folder above it is private)`);
      return;
    }
    const project = createTempProject('sqlite', examplePlugins());
    try {
      chmodSync(project.root, 0o755);
      chmodSync(path.join(project.pluginDir('one'), 'models.prisma'), 0o000);
      const result = await execa(cliCommand().file, [...cliCommand().args, '--project', project.root, 'generate'], {
        reject: false,
        cwd: REPO_ROOT,
        uid: nobody,
        gid: nobody,
        // generate reads every model file and opens no database (nobody could not create one here).
        env: { CI: 'true' },
      });
      const run = { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
      assertClearError(run, 'PLUGIN_MODELS_INVALID', new RegExp(`plugins/one/models\\.prisma cannot be read: permission denied\\.\\nFix: Make it readable .* \\(uid ${nobody}\\)`));
    } finally {
      project.remove();
    }
  });
});

function assertClearError(run: CliResult, code: string, says: RegExp): void {
  const output = `exit ${run.exitCode}\n${run.stdout}\n${run.stderr}`;
  assert.equal(run.exitCode, 1, output);
  assert.match(run.stderr, new RegExp(`^Error \\[${code}\\]: `), output);
  assert.match(run.stderr, says, output);
  assert.doesNotMatch(run.stderr, /^\s+at /m, `no stack trace:\n${output}`);
}
