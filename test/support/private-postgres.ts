import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A PostgreSQL cluster of the test's own, for what the shared server (trust auth) cannot show:
 * password authentication. initdb into a temporary folder, scram-sha-256 over TCP on a free port
 * of 127.0.0.1, started with pg_ctl and stopped (and deleted) by `stop`.
 */
export interface PrivateCluster {
  port: number;
  /** URL for the superuser `postgres` with the given password (none: no password in the URL). */
  url(password?: string): string;
  stop(): Promise<void>;
}

export const CLUSTER_PASSWORD = 'correct horse';

const BIN_DIRS = [process.env.PG_BIN, ...['17', '16', '15', '14'].map((v) => `/usr/lib/postgresql/${v}/bin`)];

/** The folder holding initdb and pg_ctl, or undefined when this machine has none (the test then skips). */
export function postgresBinDir(): string | undefined {
  return BIN_DIRS.find((dir): dir is string => dir !== undefined && existsSync(path.join(dir, 'initdb')));
}

export async function startPrivateCluster(binDir: string): Promise<PrivateCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-pg-'));
  const data = path.join(dir, 'data');
  const port = await freePort();
  writeFileSync(path.join(dir, 'pwfile'), CLUSTER_PASSWORD);
  // PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres OS user.
  const asRoot = process.getuid?.() === 0;
  const run = async (command: string, args: string[]) => {
    const line = [path.join(binDir, command), ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
    return asRoot ? execa('su', ['postgres', '-c', line]) : execa(path.join(binDir, command), args);
  };
  if (asRoot) {
    const { stdout } = await execa('id', ['-u', 'postgres']);
    const uid = Number(stdout);
    chownSync(dir, uid, uid);
    chownSync(path.join(dir, 'pwfile'), uid, uid);
  }
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth-host=scram-sha-256', '--auth-local=trust', `--pwfile=${path.join(dir, 'pwfile')}`, '--no-sync']);
  await run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-w', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  return {
    port,
    url: (password) => `postgresql://postgres${password === undefined ? '' : `:${encodeURIComponent(password)}`}@127.0.0.1:${port}/postgres`,
    async stop() {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
