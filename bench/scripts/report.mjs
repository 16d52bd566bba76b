// Markdown tables and an SVG plot from a run's results (see run.mjs).
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const spread = (values) => (values.length > 1 ? ` (${fmt(Math.min(...values))}–${fmt(Math.max(...values))})` : '');
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(3));
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(3)}×` : 'n/a');
const groupBy = (rows, key) => {
  const map = new Map();
  for (const row of rows) {
    const k = key(row);
    if (!map.has(k)) map.set(k, []);
    map.get(k).push(row);
  }
  return map;
};
const workloadName = (r) => `${r.n}×${r.size} B ${r.spread ? 'spread' : 'burst'}`;
const delivered = (r) => (r.N * r.n * 1000) / r.deliverMs;

export function renderReport(results, svgName) {
  const lines = [`# Benchmarks, ${results.date.slice(0, 10)}${results.quick ? ' (quick)' : ''}`, ''];
  lines.push(`Node ${results.node}. Servers pinned to core 0 (\`taskset -c 0\`), load generators (wrk, clients/sse-load.mjs) to core 1.`);
  lines.push(
    'Adapters interleaved, order rotated each round; medians, with min–max over rounds in brackets. Ratios are to raw node:http in the same run.',
    '',
  );
  const failures = [...results.http, ...results.sse].filter((r) => r.error || r.ok === false);
  if (results.http.length > 0) {
    lines.push('## HTTP', '', '| path | adapter | req/s | × raw | server CPU ns/req | × raw |', '|---|---|---|---|---|---|');
    for (const [urlPath, rows] of groupBy(
      results.http.filter((r) => !r.error),
      (r) => r.path,
    )) {
      const byAdapter = groupBy(rows, (r) => r.adapter);
      const raw = byAdapter.get('raw') ?? [];
      const rawRps = median(raw.map((r) => r.rps));
      const rawCpu = median(raw.map((r) => r.cpuNsPerRequest));
      for (const [adapter, list] of byAdapter) {
        const rps = list.map((r) => r.rps);
        const cpu = list.map((r) => r.cpuNsPerRequest);
        lines.push(
          `| ${urlPath} | ${adapter} | ${fmt(median(rps))}${spread(rps)} | ${ratio(median(rps), rawRps)} | ${fmt(median(cpu))} | ${ratio(median(cpu), rawCpu)} |`,
        );
      }
    }
    lines.push('');
  }
  if (results.sse.length > 0) {
    lines.push('## SSE fan-out', '');
    lines.push(
      'CPU = server CPU µs per delivered event (schedstat, all threads); × raw is against `raw-sse` (each event formatted once, `res.write` per event per client). Delivery = from the broadcast request until every client had every event; each client checked for every id in order, and the registry for 0 afterwards.',
      '',
    );
    lines.push(
      '| N | workload | adapter | checks | CPU µs/event | × raw | delivery ms | × raw | delivered msg/s |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    const ok = results.sse.filter((r) => r.ok);
    for (const [key, rows] of groupBy(ok, (r) => `${r.N}|${workloadName(r)}`)) {
      const [N, workload] = key.split('|');
      const byAdapter = groupBy(rows, (r) => r.adapter);
      const raw = byAdapter.get('raw-sse') ?? [];
      const rawCpu = median(raw.map((r) => r.cpuUsPerEvent));
      const rawMs = median(raw.map((r) => r.deliverMs));
      for (const [adapter, list] of byAdapter) {
        const cpu = list.map((r) => r.cpuUsPerEvent);
        const ms = list.map((r) => r.deliverMs);
        lines.push(
          `| ${N} | ${workload} | ${adapter} | pass | ${fmt(median(cpu))}${spread(cpu)} | ${ratio(median(cpu), rawCpu)} | ${fmt(median(ms))} | ${ratio(median(ms), rawMs)} | ${fmt(median(list.map(delivered)))} |`,
        );
      }
    }
    lines.push('');
    // Idle memory is read at N = 5,000 (the issue's reference point) when that was run, else the largest N.
    const sizes = ok.map((r) => r.N);
    const largest = sizes.includes(5000) ? 5000 : Math.max(...sizes);
    const idle = groupBy(
      ok.filter((r) => r.N === largest),
      (r) => r.adapter,
    );
    const rawRss = median((idle.get('raw-sse') ?? []).map((r) => r.rssPerConnBytes));
    lines.push(`### Memory per idle connection (N = ${largest})`, '', '| adapter | RSS bytes per connection | × raw |', '|---|---|---|');
    for (const [adapter, list] of idle) {
      const rss = median(list.map((r) => r.rssPerConnBytes));
      lines.push(`| ${adapter} | ${fmt(rss)} | ${ratio(rss, rawRss)} |`);
    }
    lines.push('', `![delivered messages per second by N](${svgName})`, '');
  }
  lines.push('## Failures', '');
  if (failures.length === 0) lines.push('None: every adapter passed its correctness checks.');
  for (const f of failures) {
    lines.push(
      `- ${f.adapter} ${f.path ?? `N=${f.N} ${workloadName(f)}`} round ${f.round}: ${f.error ?? `checks failed (${f.timedOut ? 'timed out, ' : ''}errors ${f.errors}, clients short of events ${f.incomplete}, registry after ${f.registryAfter})`}`,
    );
  }
  const missing = missingRounds(results);
  if (missing.length > 0) {
    lines.push('', '## Not measured', '', 'The run ended before these rounds (for example, the machine restarted):', '');
    for (const m of missing) lines.push(`- ${m}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Rounds that some combination has and another lacks: a run cut short says so instead of hiding it. */
function missingRounds(results) {
  return [
    ...missingIn(results.http, (r) => `${r.adapter} ${r.path}`),
    ...missingIn(results.sse, (r) => `${r.adapter} N=${r.N} ${workloadName(r)}`),
  ];
}

function missingIn(rows, nameOf) {
  if (rows.length === 0) return [];
  const rounds = Math.max(...rows.map((r) => r.round)) + 1;
  const combos = new Map();
  for (const r of rows) addRound(combos, nameOf(r), r.round);
  const out = [];
  for (const [name, seen] of combos) {
    for (let round = 0; round < rounds; round++) if (!seen.has(round)) out.push(`${name} round ${round}`);
  }
  return out;
}

function addRound(combos, name, round) {
  let seen = combos.get(name);
  if (!seen) combos.set(name, (seen = new Set()));
  seen.add(round);
}

/** Delivered messages per second by N (burst, 64 B), one line per adapter, log scale. */
export function renderPlot(results) {
  const rows = results.sse.filter((r) => r.ok && !r.spread && r.size === 64);
  const series = [...groupBy(rows, (r) => r.adapter)].map(([adapter, list]) => ({
    adapter,
    points: [...groupBy(list, (r) => r.N)].map(([N, at]) => [N, median(at.map(delivered))]).sort((a, b) => a[0] - b[0]),
  }));
  const W = 720,
    H = 420,
    L = 80,
    R = 170,
    T = 40,
    B = 50;
  const xs = [...new Set(rows.map((r) => r.N))].sort((a, b) => a - b);
  const ys = rows.map(delivered);
  const yMin = Math.pow(10, Math.floor(Math.log10(Math.min(...ys, 1e3))));
  const yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(...ys, 1e4))));
  const x = (N) => L + (xs.length === 1 ? (W - L - R) / 2 : (xs.indexOf(N) / (xs.length - 1)) * (W - L - R));
  const y = (v) => T + (1 - (Math.log10(v) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - T - B);
  const colors = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666', '#1f78b4', '#b2182b'];
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  out.push(`<text x="${W / 2 - 60}" y="22" font-size="14">Delivered messages/s by clients (burst, 100 × 64 B)</text>`);
  for (let v = yMin; v <= yMax; v *= 10)
    out.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${v.toExponential(0)}</text>`,
    );
  for (const N of xs) out.push(`<text x="${x(N)}" y="${H - B + 18}" text-anchor="middle">${N}</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">clients (N)</text>`);
  series.forEach((s, i) => {
    const color = colors[i % colors.length];
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${s.points.map(([N, v]) => `${x(N)},${y(v)}`).join(' ')}"/>`,
    );
    for (const [N, v] of s.points) out.push(`<circle cx="${x(N)}" cy="${y(v)}" r="3" fill="${color}"/>`);
    out.push(
      `<rect x="${W - R + 12}" y="${T + i * 20}" width="12" height="12" fill="${color}"/><text x="${W - R + 30}" y="${T + i * 20 + 10}">${s.adapter}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// `node scripts/report.mjs results/<date>.json`: renders the tables and plot again from saved
// measurements (also those of a run that was interrupted).
if (import.meta.url === `file://${process.argv[1]}`) {
  const fs = await import('node:fs');
  const file = process.argv[2];
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  const base = file.replace(/\.json$/, '');
  const svgName = `${base.split('/').pop()}.svg`;
  fs.writeFileSync(`${base}.md`, renderReport(results, svgName));
  fs.writeFileSync(`${base}.svg`, renderPlot(results));
  console.log(`wrote ${base}.md and ${base}.svg`);
}
