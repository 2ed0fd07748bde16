// `npm start`: serves examples/site with the freshly built script tag, and a collector that prints
// what it receives. Ports: SITE_PORT (default 8080) and COLLECTOR_PORT (default 8787).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { startDevCollector } from './collector/devCollector.mjs';

const sitePort = Number(process.env.SITE_PORT || 8080);
const collectorPort = Number(process.env.COLLECTOR_PORT || 8787);
const collector = await startDevCollector({ port: collectorPort });
const endpoint = `http://127.0.0.1:${collector.address().port}/v1/batch`;
const root = new URL('./site/', import.meta.url);
const dist = new URL('../dist/', import.meta.url);

const site = http.createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  if (/^\/engagekit(-vitals)?\.min\.js(\.map)?$/.test(path)) {
    return res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(new URL('.' + path, dist)));
  }
  // Two pages from one template, so a visit has somewhere to go (and a campaign to carry).
  const pages = {
    '/': ['', '<a href="/page2?utm_source=example&utm_campaign=launch">Another page (with a campaign)</a>'],
    '/page2': [': page 2', '<a href="/">Back to the first page</a>'],
  };
  if (!pages[path]) return res.writeHead(404).end('not found');
  const [heading, nav] = pages[path];
  const html = readFileSync(new URL('index.html', root), 'utf8').replace('__ENDPOINT__', endpoint).replace('__HEADING__', heading).replace('__NAV__', nav);
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
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
