// `npm start`: serves examples/site with the freshly built script tag, and a collector that prints
// what it receives. Ports: SITE_PORT (default 8080) and COLLECTOR_PORT (default 8787).
import http from 'node:http';
import { readFileSync, existsSync } from 'node:fs';
import { startDevCollector } from './collector/devCollector.mjs';

const sitePort = Number(process.env.SITE_PORT || 8080);
const collectorPort = Number(process.env.COLLECTOR_PORT || 8787);
const collector = await startDevCollector({ port: collectorPort });
const endpoint = `http://127.0.0.1:${collector.address().port}/v1/batch`;
const root = new URL('./site/', import.meta.url);
const dist = new URL('../dist/', import.meta.url);

const site = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (path === '/engagekit.min.js' || path === '/engagekit.min.js.map') {
    return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(new URL('.' + path, dist)));
  }
  const file = new URL('.' + (path === '/' ? '/index.html' : path), root);
  if (!/^\/[\w-]*(\.html)?$/.test(path) || !existsSync(file)) return res.writeHead(404).end('not found');
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(readFileSync(file, 'utf8').replace('__ENDPOINT__', endpoint));
});
site.listen(sitePort, '127.0.0.1', () => {
  console.log(`engagekit example site: http://localhost:${site.address().port}/`);
  console.log(`collector:              ${endpoint} (prints every message below; Ctrl-C to stop)\n`);
});
const stop = () => {
  site.close();
  collector.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
