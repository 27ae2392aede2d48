import assert from 'node:assert/strict';
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { execa } from 'execa';
import { REPO_ROOT, createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';
import { PROVIDERS_UNDER_TEST, createTestDatabase, type TestDatabase } from './support/test-databases.ts';

/** The application snippet of docs/engines-and-clients.md, exactly as the page shows it. */
function docSnippet(): { file: string; code: string } {
  const doc = readFileSync(path.join(REPO_ROOT, 'docs/engines-and-clients.md'), 'utf8');
  const match = /<!-- snippet: (\S+) -->\n```ts\n([\s\S]*?)```/.exec(doc);
  assert.ok(match, 'docs/engines-and-clients.md has no <!-- snippet: … --> block');
  return { file: match[1]!, code: match[2]! };
}

/** Each plugin's client, used from outside as an application would: create, read, update, delete. */
const CRUD = `import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as BooksClient } from './plugins/one/generated/client/client.ts';
import { PrismaClient as UsersClient } from './plugins/two/generated/client/client.ts';

const url = process.env.DATABASE_URL!;
const adapter = () => (url.startsWith('file:') ? new PrismaBetterSqlite3({ url }) : new PrismaPg({ connectionString: url }));
const books = new BooksClient({ adapter: adapter() });
const users = new UsersClient({ adapter: adapter() });

const dune = await books.book.create({ data: { title: 'Dune', author: 'Herbert' } });
const ada = await users.user.create({ data: { name: 'ada', favoriteBookId: dune.id } });
const read = await users.user.findUnique({ where: { id: ada.id }, include: { favoriteBook: true } });
await books.book.update({ where: { id: dune.id }, data: { title: 'Dune Messiah' } });
const updated = await users.user.update({ where: { id: ada.id }, data: { address: 'London' }, include: { favoriteBook: true } });
const grace = await users.user.create({ data: { name: 'grace' } });
await users.user.delete({ where: { id: ada.id } });
const remaining = await users.user.findMany({ select: { name: true } });
console.log(JSON.stringify({ read, updated, remaining, graceId: grace.id }));
await Promise.all([books.$disconnect(), users.$disconnect()]);
`;

/** Runs the doc snippet: plugin two's module, imported as the application would. */
const RUN_SNIPPET = `import { addUser, prisma, usersWithFavoriteBooks } from './plugins/two/users.ts';
await addUser('linus');
console.log(JSON.stringify((await usersWithFavoriteBooks()).map((user) => [user.name, user.favoriteBook?.title ?? null])));
await prisma.$disconnect();
`;

/** Plugin one's code reaching for plugin two's model: must not compile. */
const FOREIGN_MODEL = `import { PrismaClient } from './generated/client/client.ts';

export function countUsers(prisma: PrismaClient) {
  return prisma.user.count();
}
`;

const TSC = path.join(REPO_ROOT, 'node_modules/.bin/tsc');

for (const provider of PROVIDERS_UNDER_TEST) {
  describe(`a Prisma Client per plugin, on ${provider}`, () => {
    let db: TestDatabase;
    let project: TempProject;
    const run = (file: string) => execa('node', ['--import', 'tsx', file], { cwd: project.root, env: { DATABASE_URL: db.url }, reject: false });
    const typecheck = (files: string[]) => {
      writeFileSync(path.join(project.root, 'tsconfig.json'), JSON.stringify({
        compilerOptions: {
          target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
          allowImportingTsExtensions: true, skipLibCheck: true, types: ['node'],
        },
        files,
      }));
      return execa(TSC, ['--noEmit', '-p', 'tsconfig.json'], { cwd: project.root, reject: false });
    };

    before(async () => {
      db = await createTestDatabase(provider);
      project = createTempProject(provider, examplePlugins(), db.url);
      // As in an application: the generated clients import @prisma/client, and the code the adapters.
      symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(project.root, 'node_modules'));
      writeFileSync(path.join(project.root, 'package.json'), JSON.stringify({ type: 'module' }));
    });
    after(async () => {
      project?.remove();
      await db.drop();
    });

    test('generate --client writes each client into plugins/<name>/generated/client, knowing only its models', async () => {
      const generated = await project.cli(['generate', '--client']);
      assert.equal(generated.exitCode, 0, generated.stderr);
      assert.match(generated.stdout, /Generated 2 Prisma Client\(s\):\n {2}plugins\/one\/generated\/client\n {2}plugins\/two\/generated\/client/);
      const models = (plugin: string) => readdirSync(path.join(project.pluginDir(plugin), 'generated/client/models')).sort();
      assert.deepEqual(models('one'), ['Book.ts']);
      assert.deepEqual(models('two'), ['Book.ts', 'User.ts'], 'two depends on one, so its client has Book for the relation');
      const deployed = await project.cli(['deploy']);
      assert.equal(deployed.exitCode, 0, deployed.stderr);
    });

    test("after deploy, each plugin's client creates, reads, updates and deletes rows in its tables", async () => {
      writeFileSync(path.join(project.root, 'crud.ts'), CRUD);
      const crud = await run('crud.ts');
      assert.equal(crud.exitCode, 0, crud.stderr);
      const out = JSON.parse(crud.stdout) as {
        read: { name: string; favoriteBook: { title: string } };
        updated: { address: string; favoriteBook: { title: string } };
        remaining: { name: string }[];
      };
      assert.equal(out.read.name, 'ada');
      assert.equal(out.read.favoriteBook.title, 'Dune');
      assert.equal(out.updated.address, 'London');
      assert.equal(out.updated.favoriteBook.title, 'Dune Messiah');
      assert.deepEqual(out.remaining, [{ name: 'grace' }]);
      // Checked in the database itself, not through Prisma.
      assert.deepEqual(await db.query('SELECT title, author FROM books'), [{ title: 'Dune Messiah', author: 'Herbert' }]);
      assert.deepEqual(await db.query('SELECT name, address FROM users'), [{ name: 'grace', address: null }]);
    });

    test("the documentation's snippet type-checks and runs; another plugin's model does not type-check", async () => {
      const snippet = docSnippet();
      writeFileSync(path.join(project.root, snippet.file), snippet.code);
      writeFileSync(path.join(project.root, 'run-snippet.ts'), RUN_SNIPPET);
      writeFileSync(path.join(project.pluginDir('one'), 'foreign-model.ts'), FOREIGN_MODEL);

      const good = await typecheck([snippet.file, 'run-snippet.ts', 'crud.ts']);
      assert.equal(good.exitCode, 0, `${good.stdout}${good.stderr}`);
      const ran = await run('run-snippet.ts');
      assert.equal(ran.exitCode, 0, ran.stderr);
      assert.deepEqual(JSON.parse(ran.stdout), [['grace', null], ['linus', null]]);

      const bad = await typecheck(['plugins/one/foreign-model.ts']);
      assert.notEqual(bad.exitCode, 0, 'using plugin two\'s model from plugin one\'s client must not compile');
      assert.match(bad.stdout, /plugins\/one\/foreign-model\.ts\(4,17\): error TS2339: Property 'user' does not exist on type 'PrismaClient/);
    });
  });
}
