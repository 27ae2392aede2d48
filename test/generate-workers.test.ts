import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { pluginNames, syntheticPlugin } from '../bench/synthetic-plugins.ts';
import { PooledDiffEngine } from '../orchestrator/engine/pooled-diff-engine.ts';
import { InProcessDiffEngine } from '../orchestrator/engine/in-process-diff-engine.ts';
import { OrchestratorError } from '../orchestrator/errors.ts';
import { PROVIDERS } from '../orchestrator/config/provider.ts';
import { createTempProject, examplePlugins, type TempProject } from './support/temp-project.ts';

/** Every file under a project's plugins/, with migration timestamps masked: two runs differ only in those. */
function pluginFiles(project: TempProject): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const file = path.join(dir, entry);
      if (statSync(file).isDirectory()) walk(file);
      else files.set(maskStamps(path.relative(project.root, file)), readFileSync(file, 'utf8'));
    }
  };
  walk(path.join(project.root, 'plugins'));
  return files;
}

function maskStamps(text: string): string {
  return text.replace(/\d{14}/g, '<stamp>');
}

describe('generate with the diff engine in worker threads', () => {
  const projects: TempProject[] = [];
  after(() => {
    for (const project of projects) project.remove();
  });

  for (const provider of PROVIDERS) {
    test(`${provider}: the same migrations, snapshots, down scripts and report as on the main thread`, async () => {
      // Synthetic standalone plugins, and the example plugins (two depends on one).
      const plugins = { ...examplePlugins(), ...Object.fromEntries(pluginNames(12).map((name) => [name, syntheticPlugin(name, false)])) };
      const inThread = createTempProject(provider, plugins);
      const inWorkers = createTempProject(provider, plugins);
      projects.push(inThread, inWorkers);
      const generate = async (project: TempProject, workers: string) => {
        const result = await project.cli(['generate'], { ORCHESTRATOR_DIFF_WORKERS: workers });
        assert.equal(result.exitCode, 0, result.stderr);
        return maskStamps(result.stdout);
      };
      assert.equal(await generate(inWorkers, '2'), await generate(inThread, '0'));
      assert.deepEqual(pluginFiles(inWorkers), pluginFiles(inThread));

      // The second generate: a column more in every synthetic plugin, and one changed example plugin.
      for (const project of [inThread, inWorkers]) {
        for (const name of pluginNames(12)) project.writePlugin(name, syntheticPlugin(name, true));
        const one = examplePlugins().one!;
        project.writePlugin('one', { ...one, models: one.models.replace('  author String?\n', '  author String?\n  year   Int?\n') });
      }
      assert.equal(await generate(inWorkers, '2'), await generate(inThread, '0'));
      assert.deepEqual(pluginFiles(inWorkers), pluginFiles(inThread));
    });
  }

  test('a worker answers as the main thread does, and its errors name the plugin', async () => {
    const pool = await PooledDiffEngine.start(2);
    const local = new InProcessDiffEngine();
    try {
      const header = { path: 'schema.prisma', content: 'datasource db {\n  provider = "postgresql"\n}\n' };
      const models = { path: 'models.prisma', content: syntheticPlugin('p1', false).models };
      const request = { plugin: 'p1', provider: 'postgresql' as const, from: null, to: [header, models], externalTables: [], externalEnums: [] };
      assert.equal(await pool.diff(request), await local.diff(request));
      const invalid = { ...request, plugin: 'broken', to: [header, { path: 'models.prisma', content: 'model Broken {\n  id Intt @id\n}\n' }] };
      await assert.rejects(pool.diff(invalid), (error: unknown) => {
        assert.ok(error instanceof OrchestratorError);
        assert.equal(error.code, 'SCHEMA_INVALID');
        assert.match(error.message, /^Plugin "broken": its Prisma schema is invalid\.\n.*Intt/s);
        return true;
      });
    } finally {
      await pool.close();
      await local.close();
    }
  });
});
