import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

/**
 * Freeing the wasm engine does not dispose the connections it opened through the adapter, and
 * an idle pg pool would keep the process alive for seconds: so they are tracked and disposed.
 */
export function disposable(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory & { disposeAll(): Promise<void> } {
  const opened: SqlDriverAdapter[] = [];
  const track = async (connecting: Promise<SqlDriverAdapter>) => {
    const adapter = await connecting;
    opened.push(adapter);
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => track(factory.connect()),
    connectToShadowDb: () => track(factory.connectToShadowDb()),
    disposeAll: async () => {
      for (const adapter of opened.splice(0)) await adapter.dispose().catch(() => {});
    },
  };
}
