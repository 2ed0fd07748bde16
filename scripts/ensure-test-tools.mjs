// `npm test` needs a Chromium for the real-browser tests and a PostgreSQL server (started by the
// tests themselves) for the collector's. Chromium: CHROME_PATH or Debian's /usr/bin/chromium.
// PostgreSQL: initdb on PATH or under /usr/lib/postgresql/*/bin. When one is missing and we are
// root with apt, install Debian's package; otherwise stop with one line saying how to get it.
// Never downloads a browser build of its own.
import { existsSync, readdirSync } from 'node:fs';
import { execSync } from 'node:child_process';

const root = process.getuid?.() === 0;
const apt = existsSync('/usr/bin/apt-get');
let updated = false;

function install(pkg) {
  console.log(`${pkg} not found: installing Debian's ${pkg} package…`);
  execSync(
    `${updated ? '' : 'apt-get update -qq && '}DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkg} >/dev/null`,
    { stdio: 'inherit', shell: '/bin/bash' },
  );
  updated = true;
}

const chrome = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(chrome)) {
  if (process.env.CHROME_PATH || !root || !apt) {
    console.error(
      `engagekit tests need Chromium: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROME_PATH to a Chromium or Chrome binary.`,
    );
    process.exit(1);
  }
  install('chromium');
  if (!existsSync(chrome)) {
    console.error('apt-get did not provide /usr/bin/chromium: set CHROME_PATH to a Chromium binary.');
    process.exit(1);
  }
}

const hasPostgres = () => {
  try {
    execSync('command -v initdb', { stdio: 'ignore', shell: '/bin/bash' });
    return true;
  } catch {
    return (
      existsSync('/usr/lib/postgresql') &&
      readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`))
    );
  }
};
if (!hasPostgres()) {
  if (!root || !apt) {
    console.error(
      'engagekit tests need a PostgreSQL server to start (not a running one): install it (Debian/Ubuntu: sudo apt-get install -y postgresql).',
    );
    process.exit(1);
  }
  install('postgresql');
  if (!hasPostgres()) {
    console.error('apt-get did not provide PostgreSQL (initdb): install postgresql by hand.');
    process.exit(1);
  }
}
