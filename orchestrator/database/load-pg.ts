import type pgModule from 'pg';

let loaded: Promise<typeof pgModule> | undefined;

/**
 * node-postgres, loaded on first use. As it loads, pg asks whether it runs in a Cloudflare
 * Worker; on Node 20, which has no `navigator`, it finds out by building a fetch `Response`, and
 * that loads Node's whole fetch implementation (undici): 20-40 ms and 5 MB of every PostgreSQL
 * command, which never fetches. A `navigator` present while pg loads (Node 21+ always has one)
 * answers the question at once; it is removed again straight after.
 */
export function loadPg(): Promise<typeof pgModule> {
  loaded ??= (async () => {
    const lent = !('navigator' in globalThis);
    if (lent) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: `Node.js/${process.versions.node}` }, configurable: true });
    try {
      return (await import('pg')).default;
    } finally {
      if (lent) Reflect.deleteProperty(globalThis, 'navigator');
    }
  })();
  return loaded;
}
