// Plugin "two"'s Prisma Client at run time, with the database enforcing what the plugin may touch.
// Run it from the project root after `deploy --manage-roles` and `client`:
//   TWO_DATABASE_URL=postgresql://app_two:secret@localhost:5432/app \
//   SHARED_DATABASE_URL=postgresql://app_shared:secret@localhost:5432/app \
//   npx tsx docs/examples/plugin-role-client.ts
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../plugins/two/generated/client/client.ts';

const pluginRole = process.env.PLUGIN_TWO_ROLE ?? 'plugin_two';

// 1. A login role per plugin, a member of the plugin's role (created once by an administrator):
//      CREATE ROLE app_two LOGIN PASSWORD 'secret' IN ROLE plugin_two;
//    It inherits plugin_two's privileges: its own tables, SELECT and REFERENCES on plugin one's.
const perPlugin = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.TWO_DATABASE_URL! }) });

// 2. One login for every plugin (a member of each plugin role, NOINHERIT so it holds nothing by
//    itself), each plugin's pool starting its sessions with SET ROLE plugin_two:
//      CREATE ROLE app_shared LOGIN PASSWORD 'secret' NOINHERIT IN ROLE plugin_one, plugin_two;
const shared = new PrismaClient({ adapter: new PrismaPg({ connectionString: process.env.SHARED_DATABASE_URL!, options: `-c role=${pluginRole}` }) });

/** What the database answered: 'ok', or its SQLSTATE when it refused (42501: permission denied). */
async function attempt(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'ok';
  } catch (error) {
    const text = String((error as Error).message) + JSON.stringify(error);
    return text.includes('42501') || /permission denied/.test(text) ? 'denied' : `failed: ${(error as Error).message}`;
  }
}

for (const [name, prisma] of [['per-plugin login', perPlugin], ['shared login + SET ROLE', shared]] as const) {
  const result = {
    readBooks: await attempt(() => prisma.book.findMany()),
    createUser: await attempt(() => prisma.user.create({ data: { name: name.slice(0, 30) } })),
    updateBooks: await attempt(() => prisma.book.updateMany({ data: { title: 'changed' } })),
    deleteBooks: await attempt(() => prisma.book.deleteMany()),
  };
  console.log(`${name}: ${JSON.stringify(result)}`);
}
await Promise.all([perPlugin.$disconnect(), shared.$disconnect()]);
