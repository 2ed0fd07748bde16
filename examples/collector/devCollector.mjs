// A minimal collector for `npm start`: accepts engagekit's (Segment-compatible) batches, checks
// them against schema/batch.schema.json and prints one line per message. It stores nothing; the
// reference collector with SQLite/PostgreSQL storage and the engagement report is issue 4.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import Ajv from 'ajv';

const schema = JSON.parse(readFileSync(new URL('../../schema/batch.schema.json', import.meta.url), 'utf8'));
const validate = new Ajv({ allErrors: true }).compile(schema);
const LIMIT = 500_000;

/** Start the collector on 127.0.0.1:`port` (0 for any free port); resolves to the listening server. */
export function startDevCollector({ port = 0, log = console.log } = {}) {
  const seen = new Set();
  const server = http.createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin || '*');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Content-Encoding');
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    res.setHeader('Access-Control-Max-Age', '7200');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    if (req.method !== 'POST' || !req.url.startsWith('/v1/batch')) return res.writeHead(404).end();
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size <= LIMIT) chunks.push(c);
    });
    req.on('end', () => {
      if (size > LIMIT) return res.writeHead(413).end('{"error":"body over 500 KB"}');
      let body;
      try {
        let raw = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw, { maxOutputLength: LIMIT * 4 });
        body = JSON.parse(raw.toString('utf8'));
      } catch (e) {
        return res.writeHead(400).end(JSON.stringify({ error: 'unreadable body: ' + e.message }));
      }
      if (!validate(body)) return res.writeHead(400).end(JSON.stringify({ error: 'invalid batch', details: validate.errors }));
      for (const m of body.batch) {
        const dup = seen.has(m.messageId);
        seen.add(m.messageId);
        const what = m.type === 'track' ? m.event : m.type === 'page' ? m.context.page.path : m.userId;
        log(`${m.timestamp} ${m.type.padEnd(8)} ${String(what).padEnd(24)} session ${m.context.session.id.slice(0, 8)} #${m.context.session.index} page ${m.context.session.pageCount}${dup ? '  (duplicate, ignored)' : ''} ${m.properties ? JSON.stringify(m.properties).slice(0, 80) : ''}`);
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"success":true}');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
