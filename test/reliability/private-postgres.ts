import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/**
 * A throwaway PostgreSQL cluster with password authentication (scram-sha-256), on a free port:
 * the shared test server trusts every local connection, so it cannot show a wrong password.
 * initdb refuses to run as root, so as root it runs as the `postgres` OS user.
 */
export interface PrivatePostgres {
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function postgresBin(): string {
  if (process.env.RELIABILITY_PG_BIN) return process.env.RELIABILITY_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin/initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error(`no initdb under ${root} (set RELIABILITY_PG_BIN)`);
  return path.join(root, versions[0], 'bin');
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const dir = mkdtempSync(path.join(tmpdir(), 'orchestrator-reliability-pg-'));
  const data = path.join(dir, 'data');
  const password = 'reliability-secret';
  writeFileSync(path.join(dir, 'pw'), `${password}\n`);
  const asRoot = process.getuid?.() === 0;
  const run = async (file: string, args: string[]) => {
    const result = asRoot ? await execa('runuser', ['-u', 'postgres', '--', file, ...args], { reject: false }) : await execa(file, args, { reject: false });
    if (result.exitCode !== 0) throw new Error(`${path.basename(file)} failed: ${String(result.stderr || result.stdout).slice(0, 500)}`);
  };
  if (asRoot) {
    const ids = await execa('id', ['-u', 'postgres']);
    const gid = await execa('id', ['-g', 'postgres']);
    chownSync(dir, Number(ids.stdout), Number(gid.stdout));
    chownSync(path.join(dir, 'pw'), Number(ids.stdout), Number(gid.stdout));
  }
  const port = await freePort();
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${path.join(dir, 'pw')}`, '--no-sync', '-E', 'UTF8']);
  await run(path.join(bin, 'pg_ctl'), ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  return {
    port,
    user: 'postgres',
    password,
    stop: async () => {
      await run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
