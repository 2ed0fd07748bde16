/**
 * The SDKs measured: how each is loaded, initialised and called, what was configured and why, and
 * how to read what it captured. Every page gets `window.__benchConfig = { collector }` and
 * `window.__bench = { ready: false, track() {} }` first; a peer's head snippet loads the SDK the way
 * its documentation says, then sets `__bench.track(name, props)` to its tracking call and
 * `__bench.ready = true` once the SDK says it is ready (or its script has run, where it says
 * nothing). Peers other than engagekit need bench/node_modules (`npm install` in bench/).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
export const BENCH_DIR = here;
export const REPO_DIR = join(here, '..');
export const CACHE_DIR = join(here, '.cache');
const NM = join(here, 'node_modules');

/** Version of an installed package, read from its package.json. */
function installed(pkg) {
  const p = join(NM, pkg, 'package.json');
  if (!existsSync(p))
    throw new Error(`${pkg} is not installed in bench/node_modules: run "npm install" in bench/ (npm run bench does)`);
  return JSON.parse(readFileSync(p, 'utf8')).version;
}

/** Bundle an npm entry the way a site's build would: esbuild, minified, ES modules with code splitting. */
async function esbuildEntry(id, source) {
  const req = createRequire(join(here, 'package.json'));
  const esbuild = await import(req.resolve('esbuild'));
  const dir = join(CACHE_DIR, 'build', id);
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'entry.src.mjs');
  writeFileSync(entry, source);
  const out = join(dir, 'out');
  await esbuild.build({
    entryPoints: { entry },
    bundle: true,
    minify: true,
    splitting: true,
    format: 'esm',
    target: 'es2020',
    platform: 'browser',
    outdir: out,
    chunkNames: 'chunk-[hash]',
    define: { 'process.env.NODE_ENV': '"production"' },
    nodePaths: [NM],
    absWorkingDir: here,
    logLevel: 'error',
    legalComments: 'none',
  });
  /** @type {Record<string, string>} */
  const assets = {};
  for (const f of readdirSync(out)) if (f.endsWith('.js')) assets[`/bundles/${id}/${f}`] = join(out, f);
  return assets;
}

const SEGMENT_METHODS = [
  'trackSubmit',
  'trackClick',
  'trackLink',
  'trackForm',
  'pageview',
  'identify',
  'reset',
  'group',
  'track',
  'ready',
  'alias',
  'debug',
  'page',
  'screen',
  'once',
  'off',
  'on',
  'addSourceMiddleware',
  'addIntegrationMiddleware',
  'setAnonymousId',
  'addDestinationMiddleware',
  'register',
];
const POSTHOG_METHODS =
  'init capture register register_once register_for_session unregister unregister_for_session getFeatureFlag getFeatureFlagPayload isFeatureEnabled reloadFeatureFlags updateEarlyAccessFeatureEnrollment getEarlyAccessFeatures on onFeatureFlags onSurveysLoaded onSessionId getSurveys getActiveMatchingSurveys renderSurvey canRenderSurvey canRenderSurveyAsync identify setPersonProperties group resetGroups setPersonPropertiesForFlags resetPersonPropertiesForFlags setGroupPropertiesForFlags resetGroupPropertiesForFlags reset get_distinct_id getGroups get_session_id get_session_replay_url alias set_config startSessionRecording stopSessionRecording sessionRecordingStarted captureException loadToolbar get_property getSessionProperty createPersonProfile opt_in_capturing opt_out_capturing has_opted_in_capturing has_opted_out_capturing clear_opt_in_out_capturing debug getPageViewId captureTraceFeedback captureTraceMetric';
export const POSTHOG_DEFAULTS = '2026-08-30';

/** Segment's settings for a new JavaScript source, served by the site as Segment's CDN would serve them. */
export function segmentSettings(writeKey, collectorUrl) {
  const host = collectorUrl.replace(/^https?:\/\//, '');
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { version: '4.4.7', componentTypes: ['browser'] },
        apiHost: `${host}/v1`,
        protocol: 'http',
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
  };
}

/** What engagekit's own fields say: events tell us what was captured. */
const named = (events, re) => events.filter((e) => re.test(e.name));
const sessionsOf = (events) => {
  const ids = new Set(events.map((e) => e.session).filter(Boolean));
  return ids.size ? `yes (${ids.size} id${ids.size > 1 ? 's' : ''})` : 'no';
};

/**
 * @typedef {object} Peer
 * @property {string} id
 * @property {string} label
 * @property {string} pkg                         npm package measured
 * @property {() => string} version
 * @property {string} loading                     how the code reaches the page
 * @property {string[]} configured                what was set, and why
 * @property {() => Promise<Record<string,string|Buffer>>} prepare  URL path -> file (or bytes) the site serves
 * @property {(c: { collector: string, site: string }) => string} head
 * @property {(events: import('./collector.mjs').NormalEvent[]) => Record<string,string>} capture
 */

/** @type {Peer[]} */
export const PEERS = [
  {
    id: 'engagekit',
    pinned: "the repo's own build",
    label: 'engagekit',
    pkg: 'engagekit (this repo, dist/)',
    version: () => JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')).version,
    loading: 'script tag: dist/engagekit.min.js (every automatic capture on), with the ~100-byte queueing stub',
    configured: [
      'data-endpoint: the local collector (required)',
      'data-write-key: "bench"',
      'nothing else: every automatic capture is on by default',
    ],
    async prepare() {
      const f = join(REPO_DIR, 'dist', 'engagekit.min.js');
      if (!existsSync(f)) throw new Error('dist/engagekit.min.js is missing: run "npm run build" at the repo root');
      return { '/engagekit.min.js': f, '/engagekit-vitals.min.js': join(REPO_DIR, 'dist', 'engagekit-vitals.min.js') };
    },
    head: ({
      collector,
    }) => `<script>window.engagekit=window.engagekit||function(){(engagekit.q=engagekit.q||[]).push(arguments)};
__bench.track=function(n,p){engagekit('track',n,p)};</script>
<script async src="/engagekit.min.js" data-endpoint="${collector}/v1/batch" data-write-key="bench" onload="__bench.ready=true"></script>`,
    capture(events) {
      const eng = named(events, /^Page Engagement$/);
      const ms = eng.reduce((s, e) => s + (Number(e.props.engaged_ms) || 0), 0);
      const cart = named(events, /^(Cart Started|Product Added)$/);
      const abandoned = named(events, /^Form Abandoned$/);
      return {
        sessions: sessionsOf(events),
        engagedTime: eng.length ? `yes (${eng.length} reports, ${(ms / 1000).toFixed(1)} s)` : 'no',
        cartStart: cart.length ? `yes (${[...new Set(cart.map((e) => e.name))].join(', ')})` : 'no',
        formAbandonment: abandoned.length ? `yes (last field: ${abandoned[0].props.last_field})` : 'no',
      };
    },
  },
  {
    id: 'plausible',
    pinned:
      "newest release (Plausible's official npm tracker; the older plausible-tracker 0.3.9 package is superseded by it)",
    label: 'Plausible',
    pkg: '@plausible-analytics/tracker',
    version: () => installed('@plausible-analytics/tracker'),
    loading:
      'npm package (its official tracker; the script-tag build is not in any npm package), bundled by esbuild (minified ESM)',
    configured: [
      'domain: "shop.example" (required)',
      'endpoint: the local collector /api/event (the documented proxy option)',
      'every other option at its default (autoCapturePageviews on; outbound links, file downloads, form submissions off)',
    ],
    async prepare() {
      return esbuildEntry(
        'plausible',
        `import { init, track } from '@plausible-analytics/tracker';
init({ domain: 'shop.example', endpoint: window.__benchConfig.collector + '/api/event' });
window.__bench.track = (name, props) => track(name, { props });
window.__bench.ready = true;
`,
      );
    },
    head: () => `<script type="module" src="/bundles/plausible/entry.js"></script>`,
    capture(events) {
      const eng = named(events, /^engagement$/);
      const ms = eng.reduce((s, e) => s + (Number(e.props.engaged_ms) || 0), 0);
      return {
        sessions: 'server-side only (hash of IP + user agent; no client id)',
        engagedTime: eng.length ? `yes (${eng.length} reports, ${(ms / 1000).toFixed(1)} s)` : 'no',
        cartStart: named(events, /cart|product/i).length ? 'yes' : 'no',
        formAbandonment: 'no',
      };
    },
  },
  {
    id: 'snowplow',
    pinned: 'newest release',
    label: 'Snowplow',
    pkg: '@snowplow/browser-tracker',
    version: () => installed('@snowplow/browser-tracker'),
    loading: 'npm package bundled by esbuild (minified ESM); the sp.js script-tag build is not published to npm',
    configured: [
      'newTracker("sp", local collector, { appId: "bench" }) and trackPageView(), as in the quick start',
      'custom events are self-describing events (trackSelfDescribingEvent) of one schema, the event name in its event_name field: the documented way to send named events with properties',
      'activity tracking (page pings), form and link tracking are plugins or calls not made by default',
    ],
    async prepare() {
      return esbuildEntry(
        'snowplow',
        `import { newTracker, trackPageView, trackSelfDescribingEvent } from '@snowplow/browser-tracker';
newTracker('sp', window.__benchConfig.collector, { appId: 'bench' });
trackPageView();
window.__bench.track = (name, props) => trackSelfDescribingEvent({ event: { schema: 'iglu:com.example/bench_event/jsonschema/1-0-0', data: { ...props, event_name: name } } });
window.__bench.ready = true;
`,
      );
    },
    head: () => `<script type="module" src="/bundles/snowplow/entry.js"></script>`,
    capture(events) {
      const pings = named(events, /^page_ping$/);
      return {
        sessions: sessionsOf(events),
        engagedTime: pings.length ? `yes (${pings.length} page pings)` : 'no',
        cartStart: 'no',
        formAbandonment: 'no',
      };
    },
  },
  {
    id: 'segment',
    pinned: 'newest release',
    label: 'Segment',
    pkg: '@segment/analytics-next',
    version: () => installed('@segment/analytics-next'),
    loading:
      "script tag: the package's standalone build (dist/umd/standalone.js, what Segment's CDN serves as analytics.min.js) and its lazy chunks, with the official snippet (5.2.1)",
    configured: [
      'snippet: analytics.load(writeKey) and analytics.page(), as documented',
      "CDN (analytics._cdn): the site itself, serving the package's files and the settings of a new source (Segment.io only, no destinations)",
      "settings: Segment.io apiHost -> the local collector over http; metrics.sampleRate 0 (Segment's own telemetry would go to api.segment.io)",
    ],
    async prepare() {
      const d = join(NM, '@segment/analytics-next/dist/umd');
      installed('@segment/analytics-next');
      /** @type {Record<string,string>} */
      const assets = { '/analytics.js/v1/bench-write-key/analytics.min.js': join(d, 'standalone.js') };
      for (const f of readdirSync(d))
        if (/\.bundle\.[0-9a-f]+\.js$/.test(f)) assets[`/analytics-next/bundles/${f}`] = join(d, f);
      return assets;
    },
    head: ({
      site,
    }) => `<script>!function(){var i="analytics",analytics=window[i]=window[i]||[];if(!analytics.initialize)if(analytics.invoked)window.console&&console.error&&console.error("Segment snippet included twice.");else{analytics.invoked=!0;analytics.methods=${JSON.stringify(SEGMENT_METHODS)};analytics.factory=function(e){return function(){if(window[i].initialized)return window[i][e].apply(window[i],arguments);var n=Array.prototype.slice.call(arguments);if(["track","screen","alias","group","page","identify"].indexOf(e)>-1){var c=document.querySelector("link[rel='canonical']");n.push({__t:"bpc",c:c&&c.getAttribute("href")||void 0,p:location.pathname,u:location.href,s:location.search,t:document.title,r:document.referrer})}n.unshift(e);analytics.push(n);return analytics}};for(var n=0;n<analytics.methods.length;n++){var key=analytics.methods[n];analytics[key]=analytics.factory(key)}analytics.load=function(key,n){var t=document.createElement("script");t.type="text/javascript";t.async=!0;t.setAttribute("data-global-segment-analytics-key",i);t.src=analytics._cdn+"/analytics.js/v1/"+key+"/analytics.min.js";var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r);analytics._loadOptions=n};analytics._writeKey="bench-write-key";analytics.SNIPPET_VERSION="5.2.1";
analytics._cdn=${JSON.stringify(site)};
analytics.load("bench-write-key");
analytics.page();
}}();
analytics.ready(function(){__bench.ready=true});
__bench.track=function(n,p){window.analytics.track(n,p)};</script>`,
    capture() {
      return { sessions: 'no', engagedTime: 'no', cartStart: 'no', formAbandonment: 'no' };
    },
  },
  {
    id: 'posthog',
    pinned: 'newest release',
    label: 'PostHog',
    pkg: 'posthog-js',
    version: () => installed('posthog-js'),
    loading:
      'script tag: the official snippet loading dist/array.js from the API host (/static/array.js), which lazy-loads its extensions from there too; the collector serves them from the package',
    configured: [
      `posthog.init(token, { api_host: local collector, defaults: "${POSTHOG_DEFAULTS}" }) as the current snippet does (the newest defaults date this version knows)`,
      'remote config and /flags answered locally with what a new project with only product analytics gets: autocapture on; session replay, heatmaps, surveys, dead clicks, web vitals, exception capture off',
      'compression: gzip-js advertised (as PostHog Cloud does); the collector gunzips',
    ],
    async prepare() {
      installed('posthog-js');
      return {};
    },
    head: ({
      collector,
    }) => `<script>!function(t,e){var o,n,p,r;e.__SV||(window.posthog&&window.posthog.__loaded)||(window.posthog=e,e._i=[],e.init=function(i,s,a){function g(t,e){var o=e.split(".");2==o.length&&(t=t[o[0]],e=o[1]),t[e]=function(){t.push([e].concat(Array.prototype.slice.call(arguments,0)))}}(p=t.createElement("script")).type="text/javascript",p.crossOrigin="anonymous",p.async=!0,p.src=s.api_host.replace(".i.posthog.com","-assets.i.posthog.com")+"/static/array.js",(r=t.getElementsByTagName("script")[0]).parentNode.insertBefore(p,r);var u=e;for(void 0!==a?u=e[a]=[]:a="posthog",u.people=u.people||[],u.toString=function(t){var e="posthog";return"posthog"!==a&&(e+="."+a),t||(e+=" (stub)"),e},u.people.toString=function(){return u.toString(1)+".people (stub)"},o=${JSON.stringify(POSTHOG_METHODS)}.split(" "),n=0;n<o.length;n++)g(u,o[n]);e._i.push([i,s,a])},e.__SV=1)}(document,window.posthog||[]);
posthog.init("phc_bench",{api_host:${JSON.stringify(collector)},defaults:${JSON.stringify(POSTHOG_DEFAULTS)},loaded:function(){__bench.ready=true}});
__bench.track=function(n,p){posthog.capture(n,p)};</script>`,
    capture(events) {
      const leave = named(events, /^\$pageleave$/);
      const clicks = events.filter(
        (e) =>
          e.name === '$autocapture' &&
          /add to cart/i.test(JSON.stringify(e.props.$elements_chain || e.props.$elements || '')),
      );
      const changes = events.filter((e) => e.name === '$autocapture' && e.props.$event_type === 'change');
      return {
        sessions: sessionsOf(events),
        engagedTime: leave.length ? `time on page only ($pageleave, ${leave.length})` : 'no',
        cartStart: clicks.length ? 'click only ($autocapture of the button)' : 'no',
        formAbandonment: changes.length ? `field changes only (${changes.length} $autocapture change)` : 'no',
      };
    },
  },
  {
    id: 'amplitude',
    pinned:
      '2.47.1: the newest release, 2.48.1 (and 2.48.0, 2.47.2-2.47.5), does not install from the registry: dependencies it pins exactly (@amplitude/plugin-custom-enrichment-browser 0.1.25-0.1.28, @amplitude/plugin-event-property-attribution-browser 0.2.19-0.2.20) are not there',
    label: 'Amplitude',
    pkg: '@amplitude/analytics-browser',
    version: () => installed('@amplitude/analytics-browser'),
    loading:
      "script tag: the package's lib/scripts/amplitude-snippet-min.js loading lib/scripts/amplitude-min.js (the CDN's analytics-browser-VERSION-min.js)",
    configured: [
      'amplitude.init(apiKey, { serverUrl: local collector /2/httpapi, fetchRemoteConfig: false })',
      'fetchRemoteConfig off: it would fetch from sr-client-cfg.amplitude.com',
      'autocapture at the package defaults (no option passed)',
    ],
    async prepare() {
      installed('@amplitude/analytics-browser');
      return { '/amplitude/amplitude-min.js': join(NM, '@amplitude/analytics-browser/lib/scripts/amplitude-min.js') };
    },
    head: ({ collector }) => {
      const snippet = readFileSync(
        join(NM, '@amplitude/analytics-browser/lib/scripts/amplitude-snippet-min.js'),
        'utf8',
      )
        .replace(/c\.integrity="[^"]*",/, '')
        .replace(/c\.src="[^"]*"/, 'c.src="/amplitude/amplitude-min.js"');
      return `<script>${snippet}
amplitude.init("bench-api-key",{serverUrl:${JSON.stringify(collector + '/2/httpapi')},fetchRemoteConfig:false}).promise.then(function(){__bench.ready=true});
__bench.track=function(n,p){amplitude.track(n,p)};</script>`;
    },
    capture(events) {
      const form = (e) => e.props['[Amplitude] Form ID'] || e.props['[Amplitude] Form Destination'];
      const submitted = new Set(named(events, /^\[Amplitude\] Form Submitted$/).map(form));
      const unsubmitted = named(events, /^\[Amplitude\] Form Started$/).filter((e) => !submitted.has(form(e)));
      const cartForm = named(events, /^\[Amplitude\] Form Submitted$/).filter((e) => /cart/i.test(String(form(e))));
      return {
        sessions: sessionsOf(events),
        engagedTime: 'no',
        cartStart: named(events, /cart|product added/i).filter((e) => !/^\[Amplitude\] Form/.test(e.name)).length
          ? 'yes'
          : cartForm.length
            ? 'form submit only (Form Submitted to /cart/add)'
            : 'no',
        formAbandonment: unsubmitted.length ? 'derivable (Form Started, never Form Submitted)' : 'no',
      };
    },
  },
  {
    id: 'rudderstack',
    pinned: 'newest release',
    label: 'RudderStack',
    pkg: '@rudderstack/analytics-js',
    version: () => installed('@rudderstack/analytics-js'),
    loading:
      "npm package, its '/bundled' export (plugins built in), bundled by esbuild (minified ESM); the default export fetches its plugins from RudderStack's CDN at run time, and those files are not in the package",
    configured: [
      'analytics.load(writeKey, local collector, { configUrl: local collector }) and analytics.page(), as documented',
      'source config served locally: a source with no destinations, error and metrics collection off (they would report to RudderStack)',
    ],
    async prepare() {
      return esbuildEntry(
        'rudderstack',
        `import { RudderAnalytics } from '@rudderstack/analytics-js/bundled';
const { collector } = window.__benchConfig;
const analytics = new RudderAnalytics();
window.rudderanalytics = analytics;
analytics.load('bench-write-key', collector, { configUrl: collector });
analytics.ready(() => { window.__bench.ready = true; });
analytics.page();
window.__bench.track = (name, props) => analytics.track(name, props);
`,
      );
    },
    head: () => `<script type="module" src="/bundles/rudderstack/entry.js"></script>`,
    capture(events) {
      return { sessions: sessionsOf(events), engagedTime: 'no', cartStart: 'no', formAbandonment: 'no' };
    },
  },
  {
    id: 'umami',
    pinned:
      '2.10.0, the newest umami on npm (later Umami releases are not published there); its tarball is fetched with npm pack, not installed, since installing the app would pull in Next.js and Prisma',
    label: 'Umami',
    pkg: 'umami (the app; its tracker source src/tracker/index.js)',
    version: () => UMAMI_VERSION,
    loading:
      "script tag: src/tracker/index.js from the umami npm tarball (npm pack), minified by esbuild as Umami's own build minifies it with terser",
    configured: [
      'data-website-id (required), data-host-url: the local collector',
      'everything else default (auto-track on)',
    ],
    async prepare() {
      const dir = join(CACHE_DIR, 'umami');
      const src = join(dir, 'package', 'src', 'tracker', 'index.js');
      if (!existsSync(src)) {
        mkdirSync(dir, { recursive: true });
        const tgz = execFileSync('npm', ['pack', `umami@${UMAMI_VERSION}`, '--silent', '--pack-destination', dir], {
          cwd: dir,
          encoding: 'utf8',
        })
          .trim()
          .split('\n')
          .pop();
        execFileSync('tar', ['xzf', join(dir, tgz), '-C', dir, 'package/src/tracker/index.js', 'package/package.json']);
      }
      const req = createRequire(join(here, 'package.json'));
      const esbuild = await import(req.resolve('esbuild'));
      const out = await esbuild.transform(readFileSync(src, 'utf8'), {
        minify: true,
        target: 'es2020',
        legalComments: 'none',
      });
      return { '/umami/script.js': Buffer.from(out.code) };
    },
    head: ({ collector }) => `<script>__bench.track=function(n,p){umami.track(n,p)};</script>
<script defer src="/umami/script.js" data-website-id="b3a8c1f0-1c2d-4e5f-8a9b-0c1d2e3f4a5b" data-host-url="${collector}" onload="__bench.ready=true"></script>`,
    capture() {
      return { sessions: 'server-side only (no client id)', engagedTime: 'no', cartStart: 'no', formAbandonment: 'no' };
    },
  },
];

/** Newest umami release on npm (later releases are not published there). */
export const UMAMI_VERSION = '2.10.0';

/** A page with no SDK: the baseline that main-thread costs are measured against. */
export const NONE = { id: 'none', label: 'no SDK', head: () => '', prepare: async () => ({}) };

export const PEER_IDS = PEERS.map((p) => p.id);
export const peerById = (id) => (id === 'none' ? NONE : PEERS.find((p) => p.id === id));
