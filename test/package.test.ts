import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { PACKAGE_NAME, TSX_LOADER, installIntoFreshApp, packRepository } from './support/installed-package.ts';
import { REPO_ROOT } from './support/temp-project.ts';
import { createTestDatabase } from './support/test-databases.ts';

const REVIEWS_MODELS = `model Review {
  id     Int  @id @default(autoincrement())
  bookId Int
  stars  Int
  book   Book @relation(fields: [bookId], references: [id], onDelete: Cascade)

  @@map("reviews")
}
`;

// A real `npm install` (PACKAGE_TEST_NPM_INSTALL=1) takes minutes per application on 2 cores.
const SUITE_TIMEOUT_MS = process.env.PACKAGE_TEST_NPM_INSTALL === '1' ? 1_800_000 : 300_000;

describe('the npm package, installed from its tarball into a fresh application', { timeout: SUITE_TIMEOUT_MS }, () => {
  let packDir: string;
  let tarball: string;
  const apps: string[] = [];
  const freshApp = async () => {
    const app = await installIntoFreshApp(tarball);
    apps.push(app);
    return app;
  };

  before(async () => {
    packDir = mkdtempSync(path.join(tmpdir(), 'orchestrator-pack-'));
    tarball = await packRepository(packDir);
  });
  after(() => {
    for (const dir of [packDir, ...apps]) rmSync(dir, { recursive: true, force: true });
  });

  test('the tarball holds the built JavaScript, the declarations and the bin, and no TypeScript sources', async () => {
    const { stdout } = await execa('tar', ['tzf', tarball]);
    const files = String(stdout).split('\n');
    for (const file of ['package/bin/prisma-plugins.mjs', 'package/dist/orchestrator/index.mjs', 'package/dist/orchestrator/api.mjs', 'package/dist/types/api/index.d.ts', 'package/dist/orchestrator/schema-engine-launcher.mjs']) assert.ok(files.includes(file), `${file} missing from the tarball`);
    assert.deepEqual(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts')), []);
  });

  test('npx prisma-plugins deploy, generate and status work in the application', async () => {
    const app = await freshApp();
    const npx = (args: string[]) => execa('npx', ['--no-install', 'prisma-plugins', ...args], { cwd: app, env: { CI: 'true', DATABASE_URL: '', ORCHESTRATOR_PROVIDER: '' }, reject: false });

    const deployed = await npx(['deploy']);
    assert.equal(deployed.exitCode, 0, String(deployed.stderr));
    assert.match(String(deployed.stdout), /Applied 2 migration\(s\) across 2 plugin\(s\) on file:\.\/data\/app\.db\./);

    mkdirSync(path.join(app, 'plugins/reviews'));
    writeFileSync(path.join(app, 'plugins/reviews/plugin.json'), JSON.stringify({ version: '1.0.0', dependsOn: ['one'] }));
    writeFileSync(path.join(app, 'plugins/reviews/models.prisma'), REVIEWS_MODELS);
    const generated = await npx(['generate', 'reviews', '--name', 'add reviews']);
    assert.equal(generated.exitCode, 0, String(generated.stderr));
    assert.match(String(generated.stdout), /Wrote 1 migration\(s\):\n {2}plugins\/reviews\/migrations\/\d{14}_add_reviews\/migration\.sql/);

    const pending = await npx(['status']);
    assert.equal(pending.exitCode, 2);
    assert.match(String(pending.stdout), /reviews: needs attention \(0 applied\)\n {2}pending {3}\d{14}_add_reviews/);

    assert.equal((await npx(['deploy'])).exitCode, 0);
    const done = await npx(['status', '--json']);
    assert.equal(done.exitCode, 0, String(done.stdout));
    assert.deepEqual((JSON.parse(String(done.stdout)) as { plugins: { plugin: string }[] }).plugins.map((plugin) => plugin.plugin), ['one', 'reviews', 'two']);
  });

  test('importing the package runs no command, and exports the API', async () => {
    const app = await freshApp();
    const run = await execa('node', ['--input-type=module', '-e', `const api = await import('${PACKAGE_NAME}'); console.log(Object.keys(api).sort().join(' '));`], { cwd: app });
    assert.equal(String(run.stdout), 'GRAPH_FORMATS OrchestratorError RETRYABLE_CODES apiCommand baseline check deploy deployTargets drift generate graph rename resolve resolveContext roles rollback sql squash status statusTargets uninstall');
    assert.equal(String(run.stderr), '');
    assert.equal(existsSync(path.join(app, 'data')), false);
  });

  test("the README's API example runs in the application, and type-checks against the package's declarations", async () => {
    const app = await freshApp();
    cpSync(path.join(REPO_ROOT, 'examples/api/deploy.ts'), path.join(app, 'deploy.ts'));
    const example = () => execa('node', ['--import', TSX_LOADER, 'deploy.ts'], { cwd: app, env: { DATABASE_URL: '' }, reject: false });
    const first = await example();
    assert.equal(first.exitCode, 0, String(first.stderr));
    assert.equal(String(first.stdout), ['applied one/20261124153350_init', 'applied two/20261124153350_init', '2 migration(s) applied; everything is up to date on file:./data/app.db'].join('\n'));
    assert.equal(String((await example()).stdout), '0 migration(s) applied; everything is up to date on file:./data/app.db');

    // The declarations are real types, not `any`: a wrong option must be an error.
    writeFileSync(path.join(app, 'wrong.ts'), `import { deploy } from '${PACKAGE_NAME}';\n// @ts-expect-error lockTimeout is a number of seconds\nawait deploy({ lockTimeout: 'soon' });\n`);
    writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')] }, files: ['deploy.ts', 'wrong.ts'] }));
    const typecheck = await execa(path.join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: app, reject: false });
    assert.equal(typecheck.exitCode, 0, String(typecheck.stdout));
  });

  test('the API deploys to PostgreSQL: a typed result per plugin and migration, then an error with its stable code', async () => {
    const app = await freshApp();
    const db = await createTestDatabase('postgresql');
    try {
      const script = `
        import { rmSync } from 'node:fs';
        import { deploy, generate, status, OrchestratorError } from '${PACKAGE_NAME}';
        const events = [];
        for (const plugin of ['one', 'two']) rmSync('plugins/' + plugin + '/migrations', { recursive: true });
        const generated = await generate({ provider: 'postgresql', name: 'init' });
        const deployed = await deploy({ databaseUrl: process.env.TEST_URL, onProgress: (event) => { events.push(event.type); } });
        const report = await status({ databaseUrl: process.env.TEST_URL });
        let refused;
        try { await deploy({ databaseUrl: 'postgresql://postgres@127.0.0.1:5432/orchestrator_no_such_database' }); } catch (error) { refused = error instanceof OrchestratorError ? error.code : String(error); }
        console.log(JSON.stringify({ written: generated.written.length, deployed: deployed.plugins.map((p) => [p.plugin, p.migrations.map((m) => m.status)]), applied: deployed.applied, error: deployed.error ?? null, events, upToDate: report.upToDate, refused }));
      `;
      const run = await execa('node', ['--input-type=module', '-e', script], { cwd: app, env: { TEST_URL: db.url, DATABASE_URL: '', ORCHESTRATOR_PROVIDER: '' }, reject: false });
      assert.equal(run.exitCode, 0, String(run.stderr));
      assert.deepEqual(JSON.parse(String(run.stdout)), {
        written: 2,
        deployed: [['one', ['applied']], ['two', ['applied']]],
        applied: 2,
        error: null,
        events: ['task-started', 'migration-applied', 'task-finished', 'task-started', 'migration-applied', 'task-finished'],
        upToDate: true,
        refused: 'DATABASE_NOT_FOUND',
      });
      assert.deepEqual(await db.tables(), ['_prisma_migrations_one', '_prisma_migrations_two', 'books', 'users']);
    } finally {
      await db.drop();
    }
  });
});
