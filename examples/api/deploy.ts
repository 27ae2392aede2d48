// Deploys an application's plugins from code, then checks that nothing is pending.
// Run it from the application's folder (the one holding plugins/ and prisma-templates/):
//   npx tsx deploy.ts        (or node deploy.ts on Node 22.18+, which strips the types itself)
import { deploy, OrchestratorError, RETRYABLE_CODES, status } from 'prisma-plugin-orchestrator';

try {
  const result = await deploy({
    projectDir: process.cwd(),
    // Defaults as the CLI does: DATABASE_URL, else the SQLite file data/app.db.
    databaseUrl: process.env.DATABASE_URL,
    onProgress(event) {
      if (event.type === 'migration-applied') console.log(`applied ${event.plugin}/${event.migration}`);
    },
  });
  for (const plugin of result.plugins) {
    for (const migration of plugin.migrations) if (migration.status !== 'applied') console.log(`${migration.status} ${plugin.plugin}/${migration.name}`);
  }
  // Once applying has begun, a failure is returned, not thrown: the migrations before it stay applied.
  if (result.error) throw result.error;

  const report = await status({ projectDir: process.cwd() });
  console.log(`${result.applied} migration(s) applied; ${report.upToDate ? 'everything is up to date' : 'something is still pending'} on ${report.database}`);
} catch (error) {
  if (!(error instanceof OrchestratorError)) throw error;
  // The same stable codes the CLI prints; a retryable one (the server is down, say) may succeed later.
  console.error(`${error.code}: ${error.describe()}`);
  process.exitCode = RETRYABLE_CODES.has(error.code) ? 3 : 1;
}
