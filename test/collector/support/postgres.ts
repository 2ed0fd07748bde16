import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Directory holding initdb and postgres: the PATH, or Debian's /usr/lib/postgresql/N/bin (newest). */
function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  if (versions.length) return join(base, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
  try {
    return execFileSync('bash', ['-c', 'dirname "$(command -v initdb)"']).toString().trim();
  } catch {
    throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (the tests start their own server)');
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * A real PostgreSQL server of our own in a temp directory, on a free port of 127.0.0.1: initdb,
 * start, wait until it accepts connections. As root it runs as the `postgres` user (initdb
 * refuses root). `stop()` shuts it down and removes the directory.
 */
export async function startPostgres(): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), 'engagekit-pg-'));
  const data = join(dir, 'data');
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  execFileSync(...as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']), { stdio: 'ignore' });
  const port = await freePort();
  const proc: ChildProcess = spawn(...as(join(bin, 'postgres'), ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200']), { stdio: 'ignore' });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const { default: pg } = await import('pg');
  let up = false;
  for (let i = 0; i < 200 && !up; i++) {
    const c = new pg.Client({ connectionString: url });
    up = await c.connect().then(
      () => c.end().then(() => true),
      () => false,
    );
    if (!up) await new Promise((r) => setTimeout(r, 100));
  }
  if (!up) throw new Error('PostgreSQL did not start within 20 s');
  // The postmaster itself (runuser, as root, is its parent): signals go to it.
  const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  return {
    url,
    port,
    stop: async () => {
      const exited = new Promise((r) => proc.once('exit', r));
      process.kill(pid, 'SIGINT'); // fast shutdown
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
