// `npm test` needs a Chromium for the real-browser tests. Use CHROME_PATH or Debian's
// /usr/bin/chromium; when neither exists and we are root with apt, install Debian's package;
// otherwise stop with one line saying how to get one. Never downloads a browser build of its own.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const path = process.env.CHROME_PATH || '/usr/bin/chromium';
if (!existsSync(path)) {
  const root = process.getuid?.() === 0;
  const apt = existsSync('/usr/bin/apt-get');
  if (process.env.CHROME_PATH || !root || !apt) {
    console.error(`engagekit tests need Chromium: install it (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROME_PATH to a Chromium or Chrome binary.`);
    process.exit(1);
  }
  console.log('Chromium not found: installing Debian\'s chromium package…');
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null', { stdio: 'inherit', shell: '/bin/bash' });
  if (!existsSync(path)) {
    console.error('apt-get did not provide /usr/bin/chromium: set CHROME_PATH to a Chromium binary.');
    process.exit(1);
  }
}
