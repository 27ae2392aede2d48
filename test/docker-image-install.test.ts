/**
 * The Dockerfile's install steps, performed outside Docker (no engine runs here): its COPY lines
 * and its deps stage's `RUN npm …` lines, read from the Dockerfile itself, in a temporary folder
 * per stage. Then the entrypoint copied into the "image" migrates real databases from there.
 * A file the image forgets to copy, or a dependency `npm ci --omit=dev` leaves out, fails here.
 */
import assert from 'node:assert/strict';
import { accessSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { copyStepsOf, envOf, execFormOf, instructionsOf, readDockerfile, stageNamed, workdirOf, type Stage } from './support/dockerfile.ts';
import { appReport, exitWithin, fakeApp, startEntrypoint } from './support/run-entrypoint.ts';
import { REPO_ROOT, createTempProject, examplePlugins } from './support/temp-project.ts';
import { createTestDatabase } from './support/test-databases.ts';

/** Compiling better-sqlite3 from source takes a few minutes on two cores. */
const INSTALL_TIMEOUT = 15 * 60_000;
/** A broken install can look like an unreachable database (exit 3): fail fast instead of backing off. */
const QUICK_RETRY = { MIGRATE_MAX_ATTEMPTS: '2', MIGRATE_RETRY_DELAY_SECONDS: '0.1' };

/** Maps a path inside a stage's filesystem to the stage's folder here. */
function inStage(stage: Stage, folder: string, containerPath: string): string {
  const absolute = path.posix.resolve(workdirOf(stage), containerPath);
  const workdir = workdirOf(stage);
  assert.ok(absolute === workdir || absolute.startsWith(`${workdir}/`), `${containerPath} is outside ${workdir}, which this test maps to a folder`);
  return path.join(folder, path.posix.relative(workdir, absolute));
}

/** COPY from the build context (the repository), as Docker does: a folder's contents, or files into a folder. */
function copyFromContext(stage: Stage, folder: string): string[] {
  const copied: string[] = [];
  for (const step of copyStepsOf(stage).filter((candidate) => candidate.from === undefined)) {
    const destination = inStage(stage, folder, step.destination);
    const intoFolder = step.destination.endsWith('/') || step.sources.length > 1;
    for (const source of step.sources) {
      const from = path.join(REPO_ROOT, source);
      assert.ok(existsSync(from), `the Dockerfile copies ${source}, which does not exist`);
      const to = intoFolder && !source.endsWith('/') ? path.join(destination, path.basename(source)) : destination;
      mkdirSync(path.dirname(to), { recursive: true });
      cpSync(from, to, { recursive: true });
      copied.push(path.relative(folder, to) || '.');
    }
  }
  return copied;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('the Dockerfile installs a complete application', () => {
  const stages = readDockerfile();
  const deps = stageNamed(stages, 'deps');
  const runtime = stages.at(-1)!;
  const scratch = mkdtempSync(path.join(tmpdir(), 'orchestrator-image-'));
  const depsDir = path.join(scratch, 'deps');
  const appDir = path.join(scratch, 'app');

  before(async () => {
    // Node looks for node_modules in every parent folder: one there would hide a missing dependency.
    for (let dir = scratch; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      assert.ok(!existsSync(path.join(path.dirname(dir), 'node_modules')), `${path.dirname(dir)}/node_modules would leak into the test install`);
    }
    mkdirSync(depsDir);
    copyFromContext(deps, depsDir);
    const installs = instructionsOf(deps, 'RUN').map((run) => run.args).filter((command) => command.startsWith('npm '));
    assert.ok(installs.length > 0, 'the deps stage must install with npm');
    for (const command of installs) {
      const result = await execa('sh', ['-c', command], { cwd: depsDir, reject: false, all: true, env: { CI: 'true' } });
      assert.equal(result.exitCode, 0, `${command}\n${result.all}`);
    }

    mkdirSync(appDir);
    copyFromContext(runtime, appDir);
    for (const step of copyStepsOf(runtime).filter((candidate) => candidate.from !== undefined)) {
      assert.equal(step.from, deps.name, 'the runtime stage copies only from the deps stage');
      for (const source of step.sources) renameSync(inStage(deps, depsDir, source), inStage(runtime, appDir, step.destination));
    }
  }, { timeout: INSTALL_TIMEOUT });

  after(() => rmSync(scratch, { recursive: true, force: true }));

  test('production dependencies only, and no Prisma engine binary downloaded', () => {
    const installs = instructionsOf(deps, 'RUN').map((run) => run.args).filter((command) => command.startsWith('npm '));
    assert.ok(installs.some((command) => /npm ci\b.*--omit=dev/.test(command)), 'npm ci --omit=dev');
    assert.ok(existsSync(path.join(appDir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node')), "better-sqlite3's native addon must be built");
    assert.ok(!existsSync(path.join(appDir, 'node_modules/@types/better-sqlite3')), 'a devDependency was installed');
    const engines = filesUnder(path.join(appDir, 'node_modules/@prisma/engines')).filter((file) => /schema-engine|query-engine|libquery/.test(path.basename(file)));
    assert.deepEqual(engines, [], 'no native Prisma engine may be downloaded');
    assert.equal(instructionsOf(runtime, 'RUN').filter((run) => /\bnpm\b/.test(run.args)).length, 0, 'the runtime stage installs nothing itself');
  });

  test('runs as a non-root user, with the entrypoint copied and executable', () => {
    const user = instructionsOf(runtime, 'USER').at(-1)?.args ?? '';
    assert.match(user, /^[1-9]\d*(:\d+)?$/, 'a numeric non-root USER, so runAsNonRoot can verify it');
    const [entrypoint] = execFormOf(runtime, 'ENTRYPOINT');
    const local = inStage(runtime, appDir, entrypoint!);
    assert.ok(existsSync(local), `ENTRYPOINT ${entrypoint} is not copied into the image`);
    accessSync(local, constants.X_OK);
    assert.ok(execFormOf(runtime, 'CMD').length > 0);
  });

  test("deploy runs the built CLI (plain node, no tsx), and the image contains it", () => {
    const [program, script, ...args] = (envOf(runtime).MIGRATE_COMMAND ?? '').split(' ');
    assert.equal(program, 'node', 'MIGRATE_COMMAND runs node');
    assert.deepEqual(args, ['deploy']);
    assert.match(script ?? '', /^dist\/.*\.mjs$/, 'the esbuild output of `npm run build`');
    assert.ok(existsSync(inStage(runtime, appDir, script!)), `${script} is not built into the image`);
  });

  test('the installed entrypoint migrates SQLite from the image folder, then starts the application, with no writable /tmp', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('sqlite');
    try {
      const [entrypoint] = execFormOf(runtime, 'ENTRYPOINT');
      // As in the container: WORKDIR is the image folder, and its own plugins are deployed.
      // A temporary folder that cannot be created, even by root: as on a read-only root filesystem.
      const unwritableTmp = path.join(appDir, 'package.json', 'tmp');
      const env = { ...envOf(runtime), ...QUICK_RETRY, DATABASE_URL: db.url, TMPDIR: unwritableTmp };
      const run = startEntrypoint(fakeApp(), env, { entrypoint: inStage(runtime, appDir, entrypoint!), cwd: appDir });
      const exit = await exitWithin(run, 90_000);
      assert.equal(exit.code, 0, `${exit.stdout}\n${exit.stderr}`);
      const plugins = readdirSync(path.join(appDir, 'plugins'), { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
      assert.ok(plugins.length > 0);
      const tables = appReport(exit.stdout)?.tables ?? [];
      for (const plugin of plugins) assert.ok(tables.includes(`_prisma_migrations_${plugin}`), `plugin ${plugin} was not deployed: ${tables.join(', ')}`);
      assert.ok(tables.includes('books'));

      const status = await execa('node', ['--import', 'tsx', 'orchestrator/index.ts', 'status'], { cwd: appDir, reject: false, env: { CI: 'true', DATABASE_URL: db.url } });
      assert.equal(status.exitCode, 0, `${status.stdout}\n${status.stderr}`);
    } finally {
      await db.drop();
    }
  });

  test('the installed orchestrator generates with its WebAssembly engine and deploys to PostgreSQL', { timeout: 120_000 }, async () => {
    const db = await createTestDatabase('postgresql');
    const project = createTempProject('postgresql', examplePlugins());
    try {
      const generated = await execa('node', ['--import', 'tsx', 'orchestrator/index.ts', '--project', project.root, 'generate'], { cwd: appDir, reject: false, env: { CI: 'true' } });
      assert.equal(generated.exitCode, 0, `${generated.stdout}\n${generated.stderr}`);
      const [entrypoint] = execFormOf(runtime, 'ENTRYPOINT');
      const run = startEntrypoint(fakeApp(), { ...envOf(runtime), ...QUICK_RETRY, DATABASE_URL: db.url, ORCHESTRATOR_PROJECT: project.root }, { entrypoint: inStage(runtime, appDir, entrypoint!), cwd: appDir });
      const exit = await exitWithin(run, 90_000);
      assert.equal(exit.code, 0, `${exit.stdout}\n${exit.stderr}`);
      assert.deepEqual(appReport(exit.stdout)?.tables, ['_prisma_migrations_one', '_prisma_migrations_two', 'books', 'users']);
    } finally {
      project.remove();
      await db.drop();
    }
  });
});
