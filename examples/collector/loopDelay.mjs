// EVENT_LOOP_LOG_SECONDS: how long the event loop was kept from running, logged every that many
// seconds. A request that arrives while the loop is busy (a group commit on SQLite, a large body
// being parsed) waits before its handler starts, which the request log's `ms` does not count: the
// longest such delay of a period bounds that wait. bench:collector reads it to compare ingest with
// and without a report being computed.
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** Sampling resolution of the delay histogram, in ms (Node's default is 10). */
const RESOLUTION = 10;

/**
 * Logs `{ msg: 'event loop', maxMs, p99Ms, meanMs }` every `seconds` (over 0; server.mjs checks the
 * setting): the delays of the loop over that period (each at least the sampling resolution, 10 ms,
 * on an idle loop). Returns a stop function.
 *
 * @param {{ seconds: number, log: (o: object) => void }} opts
 * @returns {() => void}
 */
export function startLoopDelayLog({ seconds, log }) {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION });
  histogram.enable();
  const ms = (/** @type {number} */ ns) => Math.round(ns / 1e5) / 10;
  const timer = setInterval(() => {
    // No sample yet (a period shorter than the resolution): nothing to say.
    if (!histogram.count) return;
    log({
      level: 'info',
      msg: 'event loop',
      maxMs: ms(histogram.max),
      p99Ms: ms(histogram.percentile(99)),
      meanMs: ms(histogram.mean),
    });
    histogram.reset();
  }, seconds * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    histogram.disable();
  };
}
