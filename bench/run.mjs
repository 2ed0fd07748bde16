#!/usr/bin/env node
/**
 * `npm run bench` (from the repo root) or `node run.mjs` (from bench/, after `npm install` there):
 * measures engagekit and every peer in one headless Chromium run, prints one markdown table and
 * writes bench/results/latest.md and bench/results/latest.json.
 *
 *   node run.mjs [--quick] [--peers=engagekit,posthog] [--reps=3] [--fault-runs=3]
 *                [--concurrency=5] [--debug] [--dump=DIR]
 *
 * --quick: one repetition of everything; --debug: print each run's requests, events and page
 * errors; --dump=DIR: write every run's decoded requests and events as JSON (to check a peer that
 * seems to lose events before believing it).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBench, formatMarkdown, SCENARIOS } from './harness.mjs';
import { BENCH_DIR } from './peers.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    return [m[1], m[2] ?? true];
  }),
);
const num = (k) => (args[k] != null ? Number(args[k]) : undefined);

const results = await runBench({
  peers: args.peers ? String(args.peers).split(',') : undefined,
  quick: !!args.quick,
  reps: num('reps'),
  faultRuns: num('fault-runs'),
  concurrency: num('concurrency'),
  debug: !!args.debug,
  dumpDir: args.dump ? String(args.dump) : undefined,
  log: (s) => process.stderr.write(s + '\n'),
});

const table = formatMarkdown(results);
const configured = Object.values(results.peers)
  .map((p) => `- **${p.label} ${p.version}** (\`${p.package}\`): ${p.loading}. Configured: ${p.configured.join('; ')}.`)
  .join('\n');
const md = `# engagekit against its peers

Produced by \`npm run bench\` on ${results.startedAt}. How each number is measured, and what each
SDK was given, is in [bench/README.md](../README.md).

${table}

Fault scenarios: ${SCENARIOS.map((s) => s.label).join('; ')}. "Delivered" counts events the collector accepted while the
visitor was still on the site (the wait after each fault is bounded); "+N on return" counts events
that arrived only when the visitor opened one more page of the site afterwards; "dup" counts extra
copies of already accepted events (a collector that deduplicates by message id stores them once).

## What each SDK was given

${configured}
`;

const dir = join(BENCH_DIR, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
writeFileSync(join(dir, 'latest.md'), md);
process.stdout.write(table + '\n\nWrote bench/results/latest.md and bench/results/latest.json\n');
