// The tenant's audit trail, newest page last, with the chain's verification: intact or where it breaks.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

const html = htm.bind(h);

export function Audit({ tenant }) {
  const [report, setReport] = useState(null);
  const [rows, setRows] = useState([]);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const base = `/tenants/${tenant.id}/audit`;
  async function more(cursor) {
    try {
      const page = await api(`${base}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setRows((r) => (cursor ? [...r, ...page.items] : page.items));
      setNext(page.next_cursor);
    } catch (e) { setError(e.message); }
  }
  useEffect(() => {
    api(`${base}/verify`).then(setReport).catch((e) => setError(e.message));
    more(null);
  }, [tenant.id]);
  return html`
    <h1>Audit trail <span class="muted">${tenant.name}</span></h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${report && html`<p class=${report.intact ? 'up' : 'down'} data-testid="chain-status">
      ${report.intact ? `Chain intact: ${report.rows_checked} rows verified` : `Chain broken at row ${report.first_break.seq} (${report.first_break.kind.replace(/_/g, ' ')})`}
      · head <code>${report.head_hash.slice(0, 16)}…</code></p>`}
    <div class="table-wrap"><table class="triage">
      <thead><tr><th scope="col">#</th><th scope="col">At (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Comment</th><th scope="col">Hash</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr><td class="num">${r.seq}</td><td>${r.at.replace('T', ' ').slice(0, 19)}</td><td>${r.actor_name}</td>
        <td>${r.entity} ${r.action}</td><td>${r.comment || ''}</td><td><code>${r.hash.slice(0, 12)}</code></td></tr>`)}</tbody>
    </table></div>
    ${next && html`<button type="button" onClick=${() => more(next)}>Load more</button>`}`;
}
