import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Directory holding initdb and postgres: the PATH, or Debian's /usr/lib/postgresql/N/bin (newest). */
function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
  if (versions.length) return join(base, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
  // `command -v` fails when initdb is not on the PATH (Debian keeps it out of it).
  const found = (() => {
    try {
      return execFileSync('bash', ['-c', 'command -v initdb'], { stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    } catch {
      return '';
    }
  })();
  if (!found || !existsSync(join(dirname(found), 'postgres')))
    throw new Error(
      'PostgreSQL is not installed (no initdb on the PATH or in /usr/lib/postgresql/*/bin): apt-get install -y postgresql (the tests start their own server)',
    );
  return dirname(found);
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
 * A real PostgreSQL server of our own in a temp directory, on a free port of 127.0.0.1 (its unix
 * socket in that directory too): initdb, start, wait until it accepts connections, create a
 * database. As root it runs as the `postgres` user (initdb refuses root). `stop()` shuts it down
 * and removes the directory.
 */
export async function startPostgres(): Promise<{ url: string; port: number; stop: () => Promise<void> }> {
  const bin = binDir();
  const root = process.getuid?.() === 0;
  let owner: [number, number] | undefined;
  if (root) {
    try {
      owner = [
        Number(execFileSync('id', ['-u', 'postgres']).toString()),
        Number(execFileSync('id', ['-g', 'postgres']).toString()),
      ];
    } catch {
      throw new Error(
        'running as root needs the `postgres` user (created by apt-get install -y postgresql) to run initdb',
      );
    }
  }
  const as = (cmd: string, args: string[]) =>
    (root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  const dir = mkdtempSync(join(tmpdir(), 'engagekit-pg-'));
  const data = join(dir, 'data');
  if (owner) chownSync(dir, ...owner);
  const { default: pg } = await import('pg');
  try {
    execFileSync(
      ...as(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']),
      { stdio: 'pipe' },
    );
    // The free port may be taken again before postgres binds it: then postgres exits, and we try another.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      let log = '';
      const proc: ChildProcess = spawn(
        ...as(join(bin, 'postgres'), [
          '-D',
          data,
          '-p',
          String(port),
          '-k',
          dir,
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          'fsync=off',
          '-c',
          'max_connections=200',
        ]),
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      proc.stderr!.on('data', (b) => (log = (log + b).slice(-4000)));
      const exited = new Promise((r) => proc.once('exit', r));
      const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
      let up = false;
      // Bounded: 200 tries, 100 ms apart, ended early if postgres exits.
      for (let i = 0; i < 200 && !up && proc.exitCode === null && proc.signalCode === null; i++) {
        const c = new pg.Client({ connectionString: admin });
        up = await c.connect().then(
          () => c.end().then(() => true),
          () => false,
        );
        if (!up) await Promise.race([exited, new Promise((r) => setTimeout(r, 100))]);
      }
      if (!up) {
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill('SIGKILL');
          throw new Error('PostgreSQL did not start within 20 s:\n' + log);
        }
        if (/already in use|could not bind/i.test(log)) continue;
        throw new Error('PostgreSQL exited at start:\n' + log);
      }
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query('CREATE DATABASE engagekit');
      await c.end();
      // The postmaster itself (runuser, as root, is its parent): signals go to it.
      const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      let stopping: Promise<void> | undefined;
      return {
        url: `postgres://postgres@127.0.0.1:${port}/engagekit`,
        port,
        stop: () =>
          (stopping ||= (async () => {
            if (proc.exitCode === null && proc.signalCode === null) {
              process.kill(pid, 'SIGINT'); // fast shutdown: ends the sessions, no checkpoint wait
              await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
            }
            rmSync(dir, { recursive: true, force: true });
          })()),
      };
    }
    throw new Error('PostgreSQL found no free port in 3 tries');
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
