import { after, afterEach, beforeEach } from 'node:test';
import type { Provider } from '../../orchestrator/config/provider.ts';
import { createTempProject, type PluginFixture, type TempProject } from './temp-project.ts';
import { createTestDatabase, type TestDatabase } from './test-databases.ts';

export interface FreshDatabasePerTest {
  /** The current test's empty database. */
  readonly db: TestDatabase;
  /** A temporary project on the current test's database, removed after the test. */
  project(plugins: Record<string, PluginFixture>): TempProject;
}

/**
 * Call inside a `describe`: each of its tests gets an empty database of its own, and the
 * projects it creates point at it; both are removed after the test.
 */
export function freshDatabasePerTest(provider: Provider): FreshDatabasePerTest {
  let current: TestDatabase | undefined;
  let cleanup: (() => unknown)[] = [];
  const runCleanup = async () => {
    const steps = cleanup.reverse();
    cleanup = [];
    for (const step of steps) await step();
  };
  beforeEach(async () => {
    const db = await createTestDatabase(provider);
    current = db;
    cleanup.push(() => db.drop());
  });
  afterEach(runCleanup);
  // A failing beforeEach skips afterEach; nothing is left behind either way.
  after(runCleanup);
  const fresh: FreshDatabasePerTest = {
    get db() {
      if (!current) throw new Error('freshDatabasePerTest: no database outside a test');
      return current;
    },
    project(plugins) {
      const created = createTempProject(provider, plugins, fresh.db.url);
      cleanup.push(() => created.remove());
      return created;
    },
  };
  return fresh;
}
