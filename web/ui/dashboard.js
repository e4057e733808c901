// The dashboard: the score tile, points per category, the 90-day trend (uPlot) and the team's status counts.

import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import uPlot from 'uplot';
import { api, download } from './api.js';
import { quarterOf } from './roadmap.js';

const html = htm.bind(h);
const STATUSES = [
  ['to_address', 'To address'],
  ['planned', 'Planned'],
  ['in_progress', 'In progress'],
  ['risk_accepted', 'Risk accepted'],
  ['third_party', 'Third party'],
  ['alternate_mitigation', 'Alternate mitigation'],
  ['completed', 'Completed'],
];

const points = (n) => (Math.round(n * 100) / 100).toLocaleString('en');

/**
 * The change in percentage points against the newest day at least 30 days before the newest one ("vs last
 * month"), or against the first day when the history is younger than that ("since" that day).
 */
function monthChange(days) {
  if (days.length < 2) return null;
  const last = days[days.length - 1];
  const cutoff = new Date(last.day);
  cutoff.setUTCDate(cutoff.getUTCDate() - 30);
  const month = [...days].reverse().find((d) => new Date(d.day) <= cutoff);
  const before = month || days[0];
  return { points: last.percent - before.percent, against: month ? 'vs last month' : `since ${before.day}` };
}

function Trend({ days }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current || !days.length) return undefined;
    const data = [days.map((d) => Date.parse(d.day) / 1000), days.map((d) => Math.round(d.percent * 10) / 10)];
    const width = Math.max(280, box.current.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: 220,
        series: [{}, { label: 'Score %', stroke: '#2563eb', width: 2, points: { show: days.length < 40 } }],
        scales: { y: { range: [0, 100] } },
        axes: [{}, { values: (_, ticks) => ticks.map((t) => `${t}%`) }],
        legend: { show: false },
      },
      data,
      box.current,
    );
    return () => plot.destroy();
  }, [days]);
  if (!days.length) return html`<p class="muted">No history yet: the trend starts with the first import.</p>`;
  return html`<div ref=${box} class="chart" role="img" aria-label=${`Score over the last ${days.length} days`}></div>`;
}

/** Roles that read exports and the audit log (DESIGN: auditor, ciso, admin). */
const AUDIT_READERS = ['auditor', 'ciso', 'admin'];

function Downloads({ tenant, me }) {
  const [error, setError] = useState(null);
  const get = (path) => () => download(`/tenants/${tenant.id}${path}`).catch((e) => setError(e.message));
  const audit = AUDIT_READERS.includes(me.role);
  return html`
    <article class="card" aria-labelledby="downloads-title">
      <h2 id="downloads-title">Downloads</h2>
      <div class="steps">
        ${audit && html`<button type="button" onClick=${get('/exports/auditor.xlsx')}>Auditor workbook (.xlsx)</button>`}
        ${audit && html`<button type="button" onClick=${get('/exports/evidence-pack.zip')}>Evidence pack (.zip)</button>`}
        <button type="button" onClick=${get('/exports/triage.xlsx')}>Triage workbook (.xlsx)</button>
        <button type="button" onClick=${get('/risk-register.csv')}>Risk register (.csv)</button>
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </article>`;
}

export function Dashboard({ tenant, me }) {
  const [state, setState] = useState({ loading: true });
  useEffect(() => {
    const base = `/tenants/${tenant.id}`;
    Promise.all([
      api(`${base}/score`),
      api(`${base}/score/history?days=90`),
      api(`${base}/statuses/summary`).then((rows) => Object.fromEntries(rows.map((r) => [r.status, r]))),
      api(`${base}/score/comparison`),
      api(`${base}/recommendations?regressed=true&limit=5`),
      api(`${base}/risk-acceptances?limit=500`),
      api(`${base}/roadmaps`).then((plans) => plans.find((p) => p.quarter === quarterOf(me.now)) || null),
    ])
      .then(([score, history, counts, comparison, regressions, register, plan]) => {
        const days = history.filter((d) => d.scope === '');
        const due = register.items.filter((e) => e.review_due || e.needs_re_review);
        setState({ score: score.m365, day: score.m365_day, days, counts, comparison, regressions, due, plan });
      })
      .catch((e) => setState({ error: e.message }));
  }, [tenant.id]);
  if (state.loading) return html`<p class="muted" aria-busy="true">Loading ${tenant.name}…</p>`;
  if (state.error) return html`<p class="error" role="alert">${state.error}</p>`;
  const { score, day, days, counts, comparison, regressions, due, plan } = state;
  const done = plan ? plan.done : 0;
  const change = monthChange(days);
  return html`
    <h1>${tenant.name}</h1>
    <section class="grid" aria-label="Dashboard">
      <article class="card tile" aria-labelledby="score-title">
        <h2 id="score-title">Secure Score</h2>
        ${score
          ? html`<p class="big" data-testid="score-percent">${points(score.percent)}%</p>
              <p>${points(score.current)} of ${points(score.max)} points · <strong>${points(score.points_available)}</strong> still available</p>
              ${change && html`<p class=${change.points < 0 ? 'down' : 'up'} data-testid="score-change">
                ${change.points >= 0 ? '▲' : '▼'} ${points(Math.abs(change.points))} points ${change.against}</p>`}
              <p class="muted">as of ${day}</p>`
          : html`<p class="muted">No score yet: import Secure Score first.</p>`}
      </article>
      <article class="card" aria-labelledby="categories-title">
        <h2 id="categories-title">Points by category</h2>
        ${score?.categories?.length
          ? html`<dl class="bars">${score.categories.map((c) => html`
              <dt>${c.category}</dt>
              <dd><progress max=${c.max || 1} value=${c.achieved} aria-label=${`${c.category}: ${points(c.achieved)} of ${points(c.max)}`}></progress>
                <span>${points(c.achieved)} / ${points(c.max)}</span></dd>`)}</dl>`
          : html`<p class="muted">No categories yet.</p>`}
      </article>
      <article class="card wide" aria-labelledby="trend-title">
        <h2 id="trend-title">Last 90 days</h2>
        <${Trend} days=${days} />
      </article>
      <article class="card" aria-labelledby="status-title">
        <h2 id="status-title">Status of the recommended actions</h2>
        <table class="counts">
          <thead><tr><th scope="col">Status</th><th scope="col">Items</th><th scope="col">Points available</th></tr></thead>
          <tbody>${STATUSES.map(([key, label]) => html`<tr data-status=${key}><th scope="row">${label}</th>
            <td>${counts[key].items}${counts[key].pending_confirmation > 0 && html` <small class="muted">(${counts[key].pending_confirmation} awaiting Microsoft)</small>`}</td>
            <td class="num">${points(counts[key].points_available)}</td></tr>`)}</tbody>
        </table>
      </article>
      <article class="card" aria-labelledby="comparison-title">
        <h2 id="comparison-title">Compared with Microsoft's averages</h2>
        ${comparison.benchmarks.length
          ? html`<table class="counts"><tbody>${comparison.benchmarks.map((b) => html`<tr><th scope="row">${b.basis.replace(/([a-z])([A-Z])/g, '$1 $2')}</th>
              <td>${b.average_percent === null ? '—' : `${points(b.average_percent)}%`}</td>
              <td class=${b.difference < 0 ? 'down' : 'up'}>${b.difference === null ? '' : `${b.difference >= 0 ? '+' : ''}${points(b.difference)}`}</td></tr>`)}</tbody></table>`
          : html`<p class="muted">Microsoft's averages arrive with a Graph import.</p>`}
      </article>
      <article class="card" aria-labelledby="attention-title">
        <h2 id="attention-title">Needs attention</h2>
        <p><a href="#/triage">${regressions.total} regressed</a>${regressions.items.length ? ': ' : ''}${regressions.items.map((r) => r.title).join('; ')}</p>
        <p><a href="#/register">${due.length} acceptances due for review</a>${due.length ? ': ' : ''}${due.map((e) => e.reference).join(', ')}</p>
        <p><a href="#/roadmap">${plan ? `${done} of ${plan.items} roadmap items done this quarter` : 'No roadmap for this quarter yet'}</a></p>
        ${plan && html`<progress max=${plan.items || 1} value=${done} aria-label="Roadmap progress"></progress>`}
      </article>
      <${Downloads} tenant=${tenant} me=${me} />
    </section>`;
}
