// `npm test` needs a Chromium for the real-browser tests and a PostgreSQL server (started by the
// tests themselves) for the collector's. Chromium: CHROME_PATH or Debian's /usr/bin/chromium.
// PostgreSQL: initdb on PATH or under /usr/lib/postgresql/*/bin. When one is missing and we are
// root with apt, install Debian's package; otherwise stop with one line saying how to get it.
// The delivery scenarios also run in Firefox ESR (Debian's firefox-esr) and WebKit (Debian's
// webkit2gtk-driver: WebKitWebDriver and WebKitGTK's MiniBrowser, run under xvfb's Xvfb): those are
// installed the same way when missing, and when they cannot be, their tests say so and are skipped.
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

// The other engines (test/browser/support/engines.ts). One apt-get run for all that is missing.
const otherEngines = [
  ['firefox-esr', process.env.FIREFOX_PATH || '/usr/bin/firefox-esr'],
  ['webkit2gtk-driver', process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver'],
  ['webkit2gtk-driver', process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'],
  ['xvfb', '/usr/bin/Xvfb'],
];
const missingEngines = [...new Set(otherEngines.filter(([, path]) => !existsSync(path)).map(([pkg]) => pkg))];
if (missingEngines.length) {
  if (root && apt) {
    try {
      install(missingEngines.join(' '));
    } catch {
      // the engine's tests say what is missing and are skipped
    }
  }
  const still = otherEngines.filter(([, path]) => !existsSync(path)).map(([pkg]) => pkg);
  if (still.length)
    console.log(
      `Firefox and WebKit tests need Debian's ${[...new Set(still)].join(', ')} (sudo apt-get install -y ${[...new Set(still)].join(' ')}): those engines' tests are skipped.`,
    );
}
