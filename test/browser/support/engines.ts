/**
 * One small driver interface over the three browser engines the shared scenarios run in
 * (test/browser/support/scenarios.ts):
 *
 * - Chromium: Debian's `chromium` (or CHROME_PATH) through playwright-core, as every other browser test.
 * - Firefox: Debian's `firefox-esr` over WebDriver BiDi, through puppeteer-core (pinned to 24.43.1,
 *   the last release that runs on Node 20).
 * - WebKit: Debian's WebKitGTK MiniBrowser (Safari's engine) over classic WebDriver, through
 *   `WebKitWebDriver` and selenium-webdriver, in an Xvfb display (MiniBrowser has no headless mode).
 *
 * Each engine says what its driver cannot do (`cannot`), so a scenario that needs it is skipped
 * with the reason printed instead of failing or pretending. Firefox (≈20 s to start on two cores)
 * and WebKit (≈5 s) are started once per test file and give each scenario a fresh session: a new
 * user context in Firefox, new windows in WebKit. The scenarios keep their storage apart by using a
 * new site origin each (a new port), which every engine isolates.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import puppeteer, { type Browser as PuppeteerBrowser, type Page as PuppeteerPage } from 'puppeteer-core';
import { Builder, By, type WebDriver } from 'selenium-webdriver';
import { CHROME_ARGS } from './browser';

/** A function run in the page: it is sent as its source text, so it may use nothing from this file. */
export type InPage<Arg, Result> = (arg: Arg) => Result | Promise<Result>;

/** One tab of a session. Every call waits for the driver's answer. */
export interface Tab {
  /** Navigate and wait for the load event. */
  goto(url: string): Promise<void>;
  /** Run `fn(arg)` in the page and return its (awaited) result, which must be JSON. */
  evaluate<Arg, Result>(fn: InPage<Arg, Result>, arg?: Arg): Promise<Result>;
  /** A real click (the driver's pointer input) on the first element matching `selector`. */
  click(selector: string): Promise<void>;
  /** Focus the element and type `text` with the driver's keyboard input. */
  type(selector: string, text: string): Promise<void>;
  /** History back; returns once the navigation has committed (a restored page fires no load). */
  back(): Promise<void>;
  reload(): Promise<void>;
  /** Close the tab, as a visitor does (pagehide, no beforeunload prompt). */
  close(): Promise<void>;
}

/** A fresh browser profile (or user context): its own storage, cache and back/forward cache. */
export interface Session {
  newTab(): Promise<Tab>;
  /** Emulate the network going away (`navigator.onLine` false, requests fail) and coming back. */
  setOffline(offline: boolean): Promise<void>;
  close(): Promise<void>;
}

/** What a driver cannot do here; each value is the reason printed when a scenario needs it. */
export interface Limits {
  offline?: string;
  bfcache?: string;
  /** The engine may load the page anew where the scenario expects a back/forward-cache restore. */
  bfcacheRestore?: string;
  /** The core capture checks are run for this engine by another file (said here). */
  capture?: string;
}

export interface Engine {
  name: 'Chromium' | 'Firefox' | 'WebKit';
  /** Why this engine cannot run on this machine (binary missing), or undefined. */
  missing(): string | undefined;
  cannot: Limits;
  /** A fresh session; `bfcache` asks for the back/forward cache on (Chromium's driver turns it off by default). */
  session(options?: { bfcache?: boolean }): Promise<Session>;
  /** Stop what the engine started for the file (the browser, its driver, the X server). */
  shutdown(): Promise<void>;
  /** The browser's version, once a session was made. */
  version?: string;
}

/** Poll `fn(arg)` in the page until it returns something truthy; bounded by `timeout` ms. */
export async function waitInPage<Arg, Result>(
  tab: Tab,
  fn: InPage<Arg, Result>,
  arg?: Arg,
  timeout = 10_000,
): Promise<Result> {
  const end = Date.now() + timeout;
  let last: Result | undefined;
  let lastError: unknown;
  while (Date.now() < end) {
    try {
      last = await tab.evaluate(fn, arg);
      if (last) return last;
    } catch (error) {
      // A navigation in progress destroys the context the script ran in: look again.
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `page: ${fn.toString().slice(0, 120)} still ${String(last)} after ${timeout} ms (${lastError ?? ''})`,
  );
}

const CHROME = process.env.CHROME_PATH || '/usr/bin/chromium';
const FIREFOX = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
// Debian ships MiniBrowser inside libwebkit2gtk-4.1-0, which webkit2gtk-driver depends on.
const MINIBROWSER = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

const unlessExists = (path: string, hint: string) => (existsSync(path) ? undefined : `${path} missing (${hint})`);

/** Chromium through playwright-core: a new persistent profile per session (about 1 s). */
export const chromiumEngine: Engine = {
  name: 'Chromium',
  cannot: { capture: 'covered in Chromium, at length, by autocapture.test.ts' },
  missing: () => unlessExists(CHROME, 'apt-get install chromium, or set CHROME_PATH'),
  async session(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'engagekit-chrome-'));
    const context: BrowserContext = await chromium.launchPersistentContext(dir, {
      executablePath: CHROME,
      headless: true,
      args: CHROME_ARGS,
      // Playwright turns the back/forward cache off unless this default switch is dropped.
      ignoreDefaultArgs: options.bfcache ? ['--disable-back-forward-cache'] : undefined,
    });
    chromiumEngine.version = context.browser()?.version() ?? (await versionOf(context));
    const blank = context.pages()[0];
    let first = true;
    return {
      async newTab() {
        // The persistent context opens with one tab: use it first.
        const page = first && blank ? blank : await context.newPage();
        first = false;
        return playwrightTab(page);
      },
      setOffline: (offline) => context.setOffline(offline),
      async close() {
        await context.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  shutdown: async () => undefined,
};

async function versionOf(context: BrowserContext): Promise<string> {
  const page = context.pages()[0] || (await context.newPage());
  return page.evaluate(() => navigator.userAgent.match(/Chrom(e|ium)\/([\d.]+)/)?.[2] ?? '?');
}

function playwrightTab(page: Page): Tab {
  if (process.env.DEBUG) page.on('console', (message) => console.log('[chromium page]', message.text()));
  return {
    goto: async (url) => void (await page.goto(url)),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    click: (selector) => page.click(selector),
    type: async (selector, text) => {
      await page.click(selector);
      await page.keyboard.type(text);
    },
    back: async () => void (await page.goBack({ waitUntil: 'commit' })),
    reload: async () => void (await page.reload()),
    close: () => page.close(),
  };
}

/** Firefox ESR over WebDriver BiDi (puppeteer-core): one browser per file, a user context per session. */
export function firefoxEngine(): Engine {
  let browser: Promise<PuppeteerBrowser> | undefined;
  const start = () =>
    (browser ||= puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      // Firefox keeps pages in its back/forward cache by default; no first-run or update chatter.
      extraPrefsFirefox: {
        'browser.shell.checkDefaultBrowser': false,
        'app.update.enabled': false,
        'datareporting.policy.dataSubmissionEnabled': false,
      },
    }));
  const engine: Engine = {
    name: 'Firefox',
    cannot: {
      bfcacheRestore:
        "Firefox ESR restores a plain page from its back/forward cache here, but loads engagekit's test page anew",
    },
    missing: () => unlessExists(FIREFOX, 'apt-get install firefox-esr, or set FIREFOX_PATH'),
    async session() {
      const firefox = await start();
      engine.version ||= (await firefox.version()).replace('firefox/', '');
      const context = await firefox.createBrowserContext();
      const pages: PuppeteerPage[] = [];
      return {
        async newTab() {
          const page = await context.newPage();
          pages.push(page);
          return puppeteerTab(page);
        },
        async setOffline(offline) {
          for (const page of pages) if (!page.isClosed()) await page.setOfflineMode(offline);
        },
        close: () => context.close().catch(() => undefined),
      };
    },
    async shutdown() {
      const firefox = await browser?.catch(() => undefined);
      browser = undefined;
      await firefox?.close().catch(() => undefined);
    },
  };
  return engine;
}

function puppeteerTab(page: PuppeteerPage): Tab {
  if (process.env.DEBUG) page.on('console', (message) => console.log('[firefox page]', message.text()));
  return {
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    click: (selector) => page.click(selector),
    type: (selector, text) => page.type(selector, text),
    // A page restored from the back/forward cache fires no load event: wait for the commit only.
    back: async () => void (await page.goBack({ waitUntil: 'domcontentloaded', timeout: 10_000 }).catch(() => null)),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    close: () => page.close(),
  };
}

/** A free TCP port on 127.0.0.1 (for WebKitWebDriver). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Start a process and resolve once `ready(output)` sees it is up; bounded by `timeout` ms. */
function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: (output: string) => string | undefined,
  timeout = 15_000,
): Promise<{ child: ChildProcess; value: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${command} did not start within ${timeout} ms: ${output.slice(-500)}`));
    }, timeout);
    const look = (chunk: Buffer) => {
      output += chunk;
      const value = ready(output);
      if (value !== undefined) {
        clearTimeout(timer);
        resolve({ child, value });
      }
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code}): ${output.slice(-500)}`));
    });
  });
}

/** Poll a WebDriver server's /status until it answers; bounded by `timeout` ms. */
async function waitForStatus(url: string, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer within ${timeout} ms`);
}

/**
 * WebKitGTK's MiniBrowser over classic WebDriver (WebKitWebDriver, selenium-webdriver), in a
 * private Xvfb display. One X server, driver and MiniBrowser per file; each scenario gets its own
 * tabs (and a new site origin, so fresh storage). Classic WebDriver has no network emulation, so
 * the offline scenario is skipped.
 */
export function webkitEngine(): Engine {
  let display: { child: ChildProcess; value: string } | undefined;
  let driverProcess: { child: ChildProcess; value: string } | undefined;
  let browser: Promise<WebKitBrowser> | undefined;
  const engine: Engine = {
    name: 'WebKit',
    cannot: {
      offline: 'classic WebDriver (WebKitWebDriver) has no network emulation',
    },
    missing: () =>
      unlessExists(WEBKIT_DRIVER, 'apt-get install webkit2gtk-driver') ||
      unlessExists(MINIBROWSER, 'apt-get install webkit2gtk-driver, or set MINIBROWSER_PATH') ||
      (process.env.DISPLAY ? undefined : unlessExists('/usr/bin/Xvfb', 'apt-get install xvfb')),
    async session() {
      if (!display && !process.env.DISPLAY) {
        // -displayfd: Xvfb picks a free display number and writes it on stdout when it is ready.
        display = await startProcess(
          'Xvfb',
          ['-displayfd', '1', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'],
          process.env,
          (out) => (/^\d+\n/.test(out) ? out.trim() : undefined),
        );
      }
      const env = { ...process.env, DISPLAY: process.env.DISPLAY || ':' + display!.value };
      if (!driverProcess) {
        const port = await freePort();
        const child = spawn(WEBKIT_DRIVER, ['--port=' + port, '--host=127.0.0.1'], { env, stdio: 'ignore' });
        driverProcess = { child, value: String(port) };
        // It prints nothing when ready: ask its status endpoint, a bounded number of times.
        await waitForStatus(`http://127.0.0.1:${port}/status`);
      }
      // One MiniBrowser for the file (a WebDriver session takes about 5 s to start): each scenario
      // opens its own tabs on a new site origin, and closes them at its end.
      const { driver, keeper, serial } = await (browser ||= startBrowser(driverProcess.value));
      engine.version ||= String((await driver.getCapabilities()).get('browserVersion'));
      const handles: string[] = [];
      return {
        async newTab() {
          const handle = await serial(keeper, async () => {
            await driver.switchTo().newWindow('tab');
            return driver.getWindowHandle();
          });
          handles.push(handle);
          return webDriverTab(driver, handle, serial);
        },
        async setOffline() {
          throw new Error(engine.cannot.offline);
        },
        async close() {
          const open = new Set(await serial<string[]>(keeper, () => driver.getAllWindowHandles()));
          for (const handle of handles)
            if (open.has(handle)) await serial(handle, () => driver.close()).catch(() => undefined);
        },
      };
    },
    async shutdown() {
      const started = await browser?.catch(() => undefined);
      browser = undefined;
      await started?.driver.quit().catch(() => undefined);
      driverProcess?.child.kill();
      display?.child.kill();
      driverProcess = display = undefined;
    },
  };
  return engine;
}

type Serial = <T>(handle: string, action: () => Promise<T>) => Promise<T>;
type WebKitBrowser = { driver: WebDriver; keeper: string; serial: Serial };

/** A WebDriver session on MiniBrowser; its first window stays open (closing the last one ends the session). */
async function startBrowser(port: string): Promise<WebKitBrowser> {
  const driver: WebDriver = await new Builder()
    .usingServer(`http://127.0.0.1:${port}`)
    .withCapabilities({
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    })
    .build();
  const keeper = await driver.getWindowHandle();
  // One command at a time: each tab switches the driver to its window first.
  let queue: Promise<unknown> = Promise.resolve();
  const serial: Serial = (handle, action) => {
    const run = queue.then(async () => {
      await driver.switchTo().window(handle);
      return action();
    });
    queue = run.catch(() => undefined);
    return run;
  };
  return { driver, keeper, serial };
}

function webDriverTab(driver: WebDriver, handle: string, serial: Serial): Tab {
  const tab: Tab = {
    goto: (url) => serial(handle, () => driver.get(url)),
    // WebDriver's Execute Script awaits a returned promise (https://w3c.github.io/webdriver/#execute-script).
    evaluate: (fn, arg) => serial(handle, () => driver.executeScript(`return (${fn.toString()})(arguments[0])`, arg)),
    click: (selector) => serial(handle, async () => (await driver.findElement(By.css(selector))).click()),
    type: (selector, text) => serial(handle, async () => (await driver.findElement(By.css(selector))).sendKeys(text)),
    back: () => serial(handle, () => driver.navigate().back()),
    reload: () => serial(handle, () => driver.navigate().refresh()),
    close: () => serial(handle, () => driver.close()),
  };
  return tab;
}

/** The engines by name, as the test files and ENGINES (a comma-separated filter) name them. */
export const engines = { chromium: () => chromiumEngine, firefox: firefoxEngine, webkit: webkitEngine };
