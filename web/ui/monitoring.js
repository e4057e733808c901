// Monitoring: open alerts with acknowledge, the weekly review, why the latest score changed, the tenants side by
// side (for people who see several), and the printable board report for the quarter.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { quarterOf } from './roadmap.js';
import { OPERATORS } from './triage.js';

const html = htm.bind(h);
const points = (n) => (n === null || n === undefined ? '—' : (Math.round(n * 100) / 100).toLocaleString('en'));

function Alerts({ tenant, me }) {
  const [alerts, setAlerts] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api(`/tenants/${tenant.id}/alerts?limit=50`).then((p) => setAlerts(p.items)).catch((e) => setError(e.message));
  useEffect(() => { load(); }, [tenant.id]);
  async function acknowledge(alert, event) {
    event.preventDefault();
    const comment = new FormData(event.currentTarget).get('comment');
    try {
      await api(`/tenants/${tenant.id}/alerts/${alert.id}/acknowledge`, { method: 'POST', body: { comment, version: alert.version } });
      load();
    } catch (e) { setError(e.message); }
  }
  return html`<section class="card" aria-labelledby="alerts-title">
    <h2 id="alerts-title">Alerts</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${alerts && !alerts.length && html`<p class="muted">No alerts.</p>`}
    <ul class="evidence-list">${(alerts || []).map((a) => html`<li data-alert=${a.kind}>
      <strong>${a.title}</strong> <span class="muted">${a.severity} · ${a.raised_at.slice(0, 16).replace('T', ' ')}</span>
      <div>${a.summary}</div>
      ${a.acknowledged_at
        ? html`<div class="muted">Acknowledged by ${a.acknowledged_by}: ${a.ack_comment}</div>`
        : OPERATORS.includes(me.role) && html`<form class="inline" onSubmit=${(e) => acknowledge(a, e)}>
            <label>Comment <input name="comment" required /></label><button type="submit">Acknowledge</button></form>`}
    </li>`)}</ul>
  </section>`;
}

function Review({ tenant }) {
  const [review, setReview] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { api(`/tenants/${tenant.id}/reviews/weekly`).then(setReview).catch((e) => setError(e.message)); }, [tenant.id]);
  if (error) return html`<p class="error" role="alert">The weekly review: ${error}</p>`;
  if (!review) return null;
  const lines = [
    [review.new_recommendations.length, 'new recommendations'],
    [review.regressions.length, 'regressions'],
    [review.unconfirmed_completions.length, 'completions still unconfirmed after 72 hours'],
    [review.overdue.length, 'planned items past their target date'],
    [review.review_due.length, 'acceptances with review due'],
  ];
  return html`<section class="card" aria-labelledby="review-title" data-testid="weekly-review">
    <h2 id="review-title">Weekly review <span class="muted">since ${review.since.slice(0, 10)}</span></h2>
    <table class="counts"><tbody>${lines.map(([n, what]) => html`<tr><th scope="row">${what}</th><td>${n}</td></tr>`)}</tbody></table>
    <p>${review.open.count} open controls, ${points(review.open.points_available)} points still available.</p>
    ${review.overdue.length > 0 && html`<ul>${review.overdue.map((o) => html`<li>${o.title}: ${o.days_overdue} days overdue (${o.owner.name || 'no owner'})</li>`)}</ul>`}
  </section>`;
}

function Diagnosis({ tenant }) {
  const [why, setWhy] = useState(null);
  useEffect(() => { api(`/tenants/${tenant.id}/score/diagnosis`).then(setWhy).catch(() => setWhy(null)); }, [tenant.id]);
  if (!why) return null;
  return html`<section class="card" aria-labelledby="why-title">
    <h2 id="why-title">Why the score changed</h2>
    <p>${points(why.points_change)} points (${points(why.percent_change)} percentage points)</p>
    <ul>${why.summary.map((line) => html`<li>${line}</li>`)}</ul>
  </section>`;
}

/** The weekly digest as it would be sent now: its figures and its trend chart (carried as a PNG attachment). */
function Digest({ tenant }) {
  const [digest, setDigest] = useState(null);
  useEffect(() => { api(`/tenants/${tenant.id}/reviews/weekly/digest-preview`).then(setDigest).catch(() => setDigest(null)); }, [tenant.id]);
  if (!digest) return null;
  const chart = digest.attachments.find((a) => a.content_type === 'image/png');
  return html`<section class="card" aria-labelledby="digest-title" data-testid="digest">
    <h2 id="digest-title">Weekly digest preview</h2>
    <p><strong>${digest.title}</strong></p>
    <p>${digest.summary}</p>
    <table class="counts"><tbody>${digest.facts.map((f) => html`<tr><th scope="row">${f.name}</th><td>${f.value}</td></tr>`)}</tbody></table>
    ${chart && html`<img class="digest-chart" alt="The score over the digest's period" src=${`data:image/png;base64,${chart.base64}`} />`}
  </section>`;
}

function Comparison() {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { api('/tenants-comparison').then(setRows).catch((e) => setError(e.message)); }, []);
  if (error) return html`<p class="error" role="alert">The comparison of tenants: ${error}</p>`;
  if (!rows || rows.length < 2) return null;
  return html`<section class="card wide" aria-labelledby="compare-title">
    <h2 id="compare-title">Tenants side by side</h2>
    <div class="table-wrap"><table class="triage"><thead><tr><th scope="col">Tenant</th><th scope="col">Score</th>
      <th scope="col">30 days</th><th scope="col">Open P1</th><th scope="col">Regressions</th><th scope="col">Reviews due</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><th scope="row">${r.name}</th><td class="num">${points(r.score_percent)}%</td>
        <td class="num">${points(r.change_30_days)}</td><td class="num">${r.open_p1}</td><td class="num">${r.regressions}</td>
        <td class="num">${r.review_due}</td></tr>`)}</tbody></table></div>
  </section>`;
}

export function Monitoring({ tenant, me }) {
  const quarter = quarterOf(me.now);
  return html`
    <h1>Monitoring <span class="muted">${tenant.name}</span></h1>
    <section class="grid">
      <${Alerts} tenant=${tenant} me=${me} />
      <${Review} tenant=${tenant} />
      <${Diagnosis} tenant=${tenant} />
      <${Digest} tenant=${tenant} />
      <article class="card" aria-labelledby="board-title">
        <h2 id="board-title">Board report</h2>
        <p><a href=${`#/board/${quarter}`} onClick=${(e) => { e.preventDefault(); openBoard(tenant, quarter); }}>Open the printable ${quarter} report</a></p>
      </article>
      <${Comparison} />
    </section>`;
}

/** The printable report opens in a new tab through a single-use download token (no bearer token in the URL). */
async function openBoard(tenant, quarter) {
  const path = `/api/v1/tenants/${tenant.id}/reports/board/${quarter}.html`;
  const { url } = await api('/download-tokens', { method: 'POST', body: { path } });
  window.open(url, '_blank', 'noopener');
}
