// The engagement report page: fetches /api/metrics for the chosen site (write key) and range and
// renders the summary cards, the tables and the charts (uPlot, served by the collector). The site
// and the range are kept in the page's URL (?site=&from=&to=), so a view can be bookmarked. No framework; everything
// visitor-supplied (paths, referrers, form names) goes into the page as text, never as HTML.
// <body data-state> is "loading", "ready" or "error", which tests wait on.

/** @typedef {{ key: string, label: string, type: string }} Column */
/** @typedef {Record<string, string | number | null>} Row */
/** @typedef {{ from: string, to: string, site?: string }} View  what the page shows: a range, of one site */
/** @typedef {{ site: string, events: number, firstDay: string, lastDay: string }} Site  one of /api/sites */

const uPlot = /** @type {any} */ (window).uPlot;
const DAY = 86_400_000;

/** The summary cards: [key, label], by section. */
const CARDS = {
  'cards-audience': [
    ['visitors', 'Visitors'],
    ['sessions', 'Sessions'],
    ['returningVisitorRate', 'Returning visitors'],
    ['pagesPerVisit', 'Pages per visit'],
    ['bounceRate', 'Bounce rate'],
    ['avgSessionDurationMs', 'Avg session duration'],
    ['medianSessionDurationMs', 'Median session duration'],
    ['avgEngagedMsPerSession', 'Avg engaged time'],
    ['medianEngagedMsPerSession', 'Median engaged time'],
  ],
  'cards-commerce': [
    ['cartStarts', 'Cart starts'],
    ['cartAbandonmentRate', 'Cart abandonment'],
    ['checkoutStarts', 'Checkout starts'],
    ['orders', 'Orders'],
    ['revenue', 'Revenue'],
    ['averageOrderValue', 'Avg order value'],
    ['conversionRate', 'Conversion rate'],
  ],
  'cards-customers': [
    ['customers', 'Customers'],
    ['purchaseFrequency', 'Purchase frequency'],
    ['repeatPurchaseRate', 'Repeat purchase rate'],
    ['medianDaysBetweenOrders', 'Median time between orders'],
    ['historicalClv', 'Customer lifetime value'],
    ['predictedClv', 'Predicted CLV (formula)'],
    ['customerChurnRate', 'Customer churn'],
    ['visitorChurnRate', 'Visitor churn'],
    ['stickiness', 'Stickiness (DAU/MAU)'],
  ],
};

/** Types of the summary values (the tables' types come with the API's `columns`). */
const SUMMARY_TYPES = {
  visitors: 'int',
  sessions: 'int',
  returningVisitorRate: 'rate',
  pagesPerVisit: 'num',
  bounceRate: 'rate',
  avgSessionDurationMs: 'ms',
  medianSessionDurationMs: 'ms',
  avgEngagedMsPerSession: 'ms',
  medianEngagedMsPerSession: 'ms',
  cartStarts: 'int',
  cartAbandonmentRate: 'rate',
  checkoutStarts: 'int',
  orders: 'int',
  revenue: 'money',
  averageOrderValue: 'money',
  conversionRate: 'rate',
  customers: 'int',
  purchaseFrequency: 'num',
  repeatPurchaseRate: 'rate',
  medianDaysBetweenOrders: 'days',
  historicalClv: 'money',
  predictedClv: 'money',
  customerChurnRate: 'rate',
  visitorChurnRate: 'rate',
  stickiness: 'rate',
};

/** Google's thresholds for a good and a poor p75 (between them: needs improvement). */
const VITALS = {
  lcp_p75: [2500, 4000],
  inp_p75: [200, 500],
  cls_p75: [0.1, 0.25],
  fcp_p75: [1800, 3000],
  ttfb_p75: [800, 1800],
};

const COLORS = {
  blue: '#2563eb',
  blueFill: 'rgba(37, 99, 235, 0.35)',
  green: '#16a34a',
  red: '#dc2626',
  purple: '#7c3aed',
  grey: '#64748b',
};

const $ = (/** @type {string} */ sel) => /** @type {HTMLElement} */ (document.querySelector(sel));
const el = (/** @type {string} */ tag, /** @type {string} */ cls = '', /** @type {string} */ text = '') => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text) e.textContent = text;
  return e;
};

let currency = '';
const int = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const dec = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** A value as people read it. @param {unknown} v @param {string} type @param {string} [key] */
function format(v, type, key = '') {
  if (v == null || (typeof v === 'number' && !Number.isFinite(v))) return '–';
  if (typeof v !== 'number') return String(v);
  switch (type) {
    case 'int':
      return int.format(v);
    case 'rate':
      return dec.format(v * 100) + ' %';
    case 'percent':
      return int.format(v) + ' %';
    case 'ms':
      return duration(v);
    case 'money':
      return money(v);
    case 'days':
      return `${dec.format(v)} ${v === 1 ? 'day' : 'days'}`;
    default:
      return key === 'cls_p75' ? v.toFixed(3) : dec.format(v);
  }
}

/**
 * An amount in the report's currency. A code Intl does not know (the API gives ISO 4217 codes
 * only, but an older collector may not) is written after the number instead of failing the page.
 * @param {number} v
 */
function money(v) {
  if (!currency || currency === 'mixed') return dec.format(v);
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(v);
  } catch {
    return `${dec.format(v)} ${currency}`;
  }
}

/**
 * An axis wide enough for its longest label (uPlot's own recipe): a fixed width cut "10,000" to "0,000".
 * @param {any} u @param {string[] | null} values @param {number} axisIdx @param {number} cycleNum
 */
function axisSize(u, values, axisIdx, cycleNum) {
  const axis = u.axes[axisIdx];
  if (cycleNum > 1) return axis._size;
  const longest = (values ?? []).reduce((a, v) => (String(v).length > a.length ? String(v) : a), '');
  u.ctx.font = axis.font[0];
  return Math.ceil(axis.ticks.size + axis.gap + u.ctx.measureText(longest).width / devicePixelRatio);
}

/** 950 ms, 12.3 s, 4 min 05 s, 1 h 02 min. @param {number} ms */
function duration(ms) {
  if (ms < 1000) return int.format(ms) + ' ms';
  if (ms < 60_000) return dec.format(Math.round(ms / 100) / 10) + ' s';
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** YYYY-MM-DD of a UTC day, what the API and the date inputs use. @param {number} ms */
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The range from the page's query (?from=&to=), else the last 30 days. */
/** The view the URL asks for: its range (the last 30 days without one) and its site, if it names one. @returns {View} */
function initialView() {
  const q = new URLSearchParams(location.search);
  const today = Math.floor(Date.now() / DAY) * DAY;
  const site = q.get('site');
  return {
    from: q.get('from') || isoDay(today - 29 * DAY),
    to: q.get('to') || isoDay(today),
    ...(site != null && { site }),
  };
}

/** A view as query parameters: the range, then the site. @param {View} view */
const viewQuery = (view) =>
  new URLSearchParams({ from: view.from, to: view.to, ...(view.site != null && { site: view.site }) }).toString();

/** A site as the select shows it: events sent without a write key have the key ''. @param {Site} s */
const siteLabel = (s) => s.site || '(no write key)';

/**
 * The select of sites, filled from /api/sites (the busiest first). Hidden while the store has none.
 * @param {Site[]} sites
 */
function fillSites(sites) {
  const select = /** @type {HTMLSelectElement} */ ($('#site'));
  select.replaceChildren(
    ...sites.map((s) => {
      const option = /** @type {HTMLOptionElement} */ (el('option', '', siteLabel(s)));
      option.value = s.site;
      option.title = `${int.format(s.events)} events, ${s.firstDay} to ${s.lastDay} (UTC)`;
      return option;
    }),
  );
  $('#site-picker').hidden = !sites.length;
}

/**
 * The site to show: the one the URL names when the store has it, else the busiest (a store of
 * several sites never shows them mixed: the API asks which one).
 * @param {View} view @param {Site[]} sites @returns {View}
 */
function withSite(view, sites) {
  if (!sites.length) return view;
  const known = sites.some((s) => s.site === view.site);
  return { ...view, site: known ? view.site : sites[0].site };
}

/** @param {HTMLElement} host @param {Record<string, any>} summary @param {Record<string, string>} definitions */
function renderCards(host, summary, definitions) {
  host.replaceChildren();
  for (const [key, label] of CARDS[/** @type {keyof typeof CARDS} */ (host.id)]) {
    const card = el('div', 'card');
    card.dataset.metric = key;
    card.title = definitions[key] || '';
    card.append(
      el('div', 'card-label', label),
      el('div', 'card-value', format(summary[key], SUMMARY_TYPES[/** @type {keyof typeof SUMMARY_TYPES} */ (key)])),
    );
    const note = cardNote(key, summary);
    if (note) card.append(el('div', 'card-note', note));
    card.append(el('div', 'card-def', definitions[key] || ''));
    host.append(card);
  }
}

/** The counts behind a rate, shown under it. @param {string} key @param {Record<string, any>} s */
function cardNote(key, s) {
  const n = (/** @type {number} */ v) => int.format(v ?? 0);
  switch (key) {
    case 'returningVisitorRate':
      return `${n(s.returningVisitors)} of ${n(s.visitors)} visitors`;
    case 'bounceRate':
      return `${n(s.bounces)} of ${n(s.sessions)} sessions`;
    case 'cartAbandonmentRate':
      return `${n(s.abandonedCartSessions)} of ${n(s.cartSessions)} sessions with a cart`;
    case 'conversionRate':
      return `${n(s.convertedSessions)} of ${n(s.sessions)} sessions`;
    case 'revenue':
      return s.currency === 'mixed' ? 'several currencies, not converted' : '';
    case 'pagesPerVisit':
      return `${n(s.pageviews)} page views`;
    case 'customers':
      return `${n(s.newCustomers)} new, ${n(s.returningCustomers)} returning`;
    case 'purchaseFrequency':
      return 'orders per customer in the range';
    case 'predictedClv':
      return s.customerChurnRate ? '' : 'needs a customer churn rate above 0';
    default:
      return '';
  }
}

/** @param {HTMLElement} host @param {Column[]} columns @param {Row[]} rows */
function renderTable(host, columns, rows) {
  host.replaceChildren();
  if (!rows.length) {
    host.append(el('p', 'empty', 'Nothing in this range.'));
    return;
  }
  const table = el('table');
  const thead = el('thead');
  const tbody = el('tbody');
  const head = el('tr');
  for (const c of columns) head.append(el('th', c.type === 'text' || c.type === 'date' ? '' : 'num', c.label));
  thead.append(head);
  table.append(thead, tbody);
  for (const row of rows) {
    const tr = el('tr');
    for (const c of columns) {
      const td = el('td', c.type === 'text' || c.type === 'date' ? '' : 'num', format(row[c.key], c.type, c.key));
      const limits = VITALS[/** @type {keyof typeof VITALS} */ (c.key)];
      const v = row[c.key];
      if (limits && typeof v === 'number') td.classList.add(v <= limits[0] ? 'good' : v <= limits[1] ? 'fair' : 'poor');
      tr.append(td);
    }
    tbody.append(tr);
  }
  host.append(table);
}

/**
 * A cohort table as a heat map: one row per weekly cohort, its size, then the share active in each
 * week after, the cell's blue as deep as the share. Weeks not yet started stay blank.
 * @param {HTMLElement} host @param {Column[]} columns @param {Row[]} rows
 */
function renderHeatmap(host, columns, rows) {
  renderTable(host, columns, rows);
  for (const tr of host.querySelectorAll('tbody tr')) {
    const cells = /** @type {NodeListOf<HTMLTableCellElement>} */ (tr.querySelectorAll('td'));
    columns.forEach((c, i) => {
      if (c.type !== 'rate') return;
      const td = cells[i];
      const v = rows[/** @type {HTMLTableRowElement} */ (tr).sectionRowIndex][c.key];
      if (typeof v !== 'number') {
        td.textContent = '';
        td.classList.add('heat-none');
        return;
      }
      td.classList.add('heat');
      // CSSOM, not a style attribute: the page's CSP allows the one and not the other.
      td.style.backgroundColor = `rgba(37, 99, 235, ${(0.06 + 0.84 * Math.min(1, Math.max(0, v))).toFixed(3)})`;
      if (v > 0.5) td.classList.add('heat-dark');
    });
  }
}

/** Charts drawn so far, resized with the window and exposed for tests. @type {any[]} */
const charts = [];
/** @type {any} */ (window).__charts = charts;

const width = (/** @type {HTMLElement} */ host) => Math.max(260, host.clientWidth);

/** Sessions and visitors per day, as bars and a line. @param {HTMLElement} host @param {Row[]} days */
function sessionsChart(host, days) {
  const x = days.map((d) => Date.parse(String(d.day) + 'T00:00:00Z') / 1000);
  const opts = {
    width: width(host),
    height: 260,
    tzDate: (/** @type {number} */ ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      y: {
        range: (/** @type {any} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [
          0,
          Math.max(4, Math.ceil(max * 1.15)),
        ],
      },
    },
    series: [
      {},
      {
        label: 'Sessions',
        stroke: COLORS.blue,
        fill: COLORS.blueFill,
        width: 1,
        paths: uPlot.paths.bars({ size: [0.7, 40] }),
        points: { show: false },
      },
      { label: 'Visitors', stroke: COLORS.green, width: 2, points: { show: days.length < 60 } },
      { label: 'Sessions with an order', stroke: COLORS.red, width: 2, dash: [4, 4], points: { show: false } },
    ],
    axes: [
      { stroke: COLORS.grey, grid: { show: false } },
      {
        stroke: COLORS.grey,
        size: axisSize,
        values: (/** @type {any} */ _u, /** @type {number[]} */ v) =>
          v.map((n) => (Number.isInteger(n) ? int.format(n) : '')),
      },
    ],
  };
  const data = [x, days.map((d) => d.sessions), days.map((d) => d.visitors), days.map((d) => d.conversions)];
  host.replaceChildren();
  charts.push(new uPlot(opts, data, host));
}

/**
 * Bars for the steps of a funnel, each labelled with its count and its share of the first step.
 * @param {HTMLElement} host @param {string[]} labels @param {number[]} values @param {string} color @param {number} [height]
 * @param {string[]} [barColors]  one color per bar
 */
function funnelChart(host, labels, values, color, height = 240, barColors = labels.map(() => color)) {
  const x = labels.map((_, i) => i);
  const first = values[0] || 0;
  const opts = {
    width: width(host),
    height,
    legend: { show: false },
    cursor: { show: false },
    scales: {
      x: { time: false, range: [-0.5, labels.length - 0.5] },
      y: {
        range: (/** @type {any} */ _u, /** @type {number} */ _min, /** @type {number} */ max) => [
          0,
          Math.max(1, max * 1.2),
        ],
      },
    },
    series: [
      {},
      {
        label: 'Sessions',
        stroke: color,
        fill: color,
        // disp: a color per bar (uPlot's bar path builder takes them as "values" in unit 3, colors).
        paths: uPlot.paths.bars({
          size: [0.6, 120],
          disp: { fill: { unit: 3, values: () => barColors }, stroke: { unit: 3, values: () => barColors } },
        }),
        points: { show: false },
      },
    ],
    axes: [
      {
        stroke: COLORS.grey,
        grid: { show: false },
        splits: () => x,
        values: (/** @type {any} */ _u, /** @type {number[]} */ v) => v.map((i) => labels[i] ?? ''),
      },
      {
        stroke: COLORS.grey,
        size: axisSize,
        values: (/** @type {any} */ _u, /** @type {number[]} */ v) =>
          v.map((n) => (Number.isInteger(n) ? int.format(n) : '')),
      },
    ],
    hooks: {
      // The count and the share of the first step above each bar.
      draw: [
        (/** @type {any} */ u) => {
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = '#0f172a';
          ctx.textAlign = 'center';
          ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
          values.forEach((v, i) => {
            const cx = u.valToPos(i, 'x', true);
            const cy = u.valToPos(v, 'y', true) - 6 * devicePixelRatio;
            const share = first ? ` (${dec.format((v / first) * 100)} %)` : '';
            ctx.fillText(int.format(v) + (i ? share : ''), cx, cy);
          });
          ctx.restore();
        },
      ],
    },
  };
  host.replaceChildren();
  charts.push(new uPlot(opts, [x, values], host));
}

/** One small funnel per form: started → submitted (green), and abandoned (red) beside them. @param {HTMLElement} host @param {Row[]} forms */
function formCharts(host, forms) {
  host.replaceChildren();
  if (!forms.length) {
    host.append(el('p', 'empty', 'No form activity in this range.'));
    return;
  }
  for (const f of forms.slice(0, 6)) {
    const box = el('figure', 'form-chart');
    const chart = el('div', 'chart');
    box.append(el('figcaption', '', String(f.form)), chart);
    host.append(box);
    funnelChart(
      chart,
      ['Started', 'Submitted', 'Abandoned'],
      [Number(f.started), Number(f.submitted), Number(f.abandoned)],
      COLORS.purple,
      200,
      [COLORS.purple, COLORS.green, COLORS.red],
    );
  }
}

/** The latest load: an answer to an earlier one (the site or range changed meanwhile) is dropped. */
let latestLoad = 0;

/** @param {View} view */
async function load(view) {
  const thisLoad = ++latestLoad;
  document.body.dataset.state = 'loading';
  $('#status').textContent = 'Loading…';
  const q = viewQuery(view);
  for (const a of document.querySelectorAll('a.csv'))
    /** @type {HTMLAnchorElement} */ (a).href = `/api/export/${/** @type {HTMLElement} */ (a).dataset.table}.csv?${q}`;
  /** @type {HTMLAnchorElement} */ ($('#api-link')).href = `/api/metrics?${q}`;
  /** @type {Response} */
  let res;
  let body;
  try {
    res = await fetch(`/api/metrics?${q}`);
    body = await res.json();
  } catch (e) {
    if (thisLoad === latestLoad) throw e;
    return;
  }
  if (thisLoad !== latestLoad) return;
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  render(body);
}

/** @param {any} m  the /api/metrics response */
function render(m) {
  while (charts.length) charts.pop().destroy();
  currency = m.summary.currency || '';
  for (const e of document.querySelectorAll('[data-def]'))
    e.textContent = m.definitions[/** @type {HTMLElement} */ (e).dataset.def || ''] || '';
  for (const id of Object.keys(CARDS)) renderCards($('#' + id), m.summary, m.definitions);
  for (const host of document.querySelectorAll('div.table')) {
    const name = /** @type {HTMLElement} */ (host).dataset.table || '';
    renderTable(/** @type {HTMLElement} */ (host), m.columns[name], m.tables[name]);
  }
  for (const host of document.querySelectorAll('div.heatmap')) {
    const name = /** @type {HTMLElement} */ (host).dataset.table || '';
    renderHeatmap(/** @type {HTMLElement} */ (host), m.columns[name], m.tables[name]);
  }
  sessionsChart($('#chart-sessions'), m.series.sessionsPerDay);
  funnelChart(
    $('#chart-funnel'),
    m.tables.funnel.map((/** @type {Row} */ r) => String(r.step)),
    m.tables.funnel.map((/** @type {Row} */ r) => Number(r.sessions)),
    COLORS.blue,
  );
  formCharts($('#chart-forms'), m.tables.forms);
  const { fromDate, toDate } = m.range;
  const site = m.site ? `${m.site}, ` : '';
  $('#status').textContent = m.summary.sessions
    ? `${site}${fromDate} to ${toDate} (UTC): ${int.format(m.summary.sessions)} sessions.`
    : `${site}${fromDate} to ${toDate} (UTC): no sessions in this range.`;
  document.body.dataset.state = 'ready';
}

/** @param {unknown} e */
function failed(e) {
  document.body.dataset.state = 'error';
  $('#status').textContent = `The report could not be loaded: ${/** @type {Error} */ (e).message}`;
}

async function start() {
  const form = /** @type {HTMLFormElement} */ ($('#range'));
  const fromInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('from'));
  const toInput = /** @type {HTMLInputElement} */ (form.elements.namedItem('to'));
  const select = /** @type {HTMLSelectElement} */ ($('#site'));
  /** @type {Site[]} */
  let sites = [];
  /** @type {View} */
  let current = initialView();
  /** @param {View} view @param {'push' | 'replace' | 'none'} historyEntry */
  const show = (view, historyEntry) => {
    current = withSite(view, sites);
    fromInput.value = current.from;
    toInput.value = current.to;
    if (current.site != null) select.value = current.site;
    const url = `?${viewQuery(current)}`;
    if (historyEntry === 'push') history.pushState(null, '', url);
    // The site chosen for a URL that named none (or one the store does not have) goes into it.
    if (historyEntry === 'replace' && url !== location.search) history.replaceState(null, '', url);
    load(current).catch(failed);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    show({ ...current, from: fromInput.value, to: toInput.value }, 'push');
  });
  for (const b of form.querySelectorAll('button[data-days]')) {
    b.addEventListener('click', () => {
      const today = Math.floor(Date.now() / DAY) * DAY;
      const days = Number(/** @type {HTMLElement} */ (b).dataset.days);
      show({ ...current, from: isoDay(today - (days - 1) * DAY), to: isoDay(today) }, 'push');
    });
  }
  select.addEventListener('change', () => show({ ...current, site: select.value }, 'push'));
  addEventListener('popstate', () => show(initialView(), 'replace'));
  // Charts follow the width of their box.
  let pending = 0;
  addEventListener('resize', () => {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(() => {
      for (const c of charts) c.setSize({ width: width(c.root.parentElement), height: c.height });
    });
  });
  try {
    const res = await fetch('/api/sites');
    const body = await res.json();
    if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
    sites = body.sites;
  } catch (e) {
    return failed(e);
  }
  fillSites(sites);
  show(current, 'replace');
}

start();
