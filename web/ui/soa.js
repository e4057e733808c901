// The Statement of Applicability (ISO/IEC 27001:2022 clause 6.1.3 d): every Annex A control, applicable or not,
// its implementation computed from the mapped recommendations or attested by a person, and its evidence.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

const html = htm.bind(h);
const label = (text) => (text ? text.replace(/_/g, ' ') : '—');

export function Soa({ tenant }) {
  const [soa, setSoa] = useState(null);
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState('');
  useEffect(() => {
    api(`/tenants/${tenant.id}/soa`).then(setSoa).catch((e) => setError(e.message));
  }, [tenant.id]);
  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!soa) return html`<p class="muted" aria-busy="true">Loading the Statement of Applicability…</p>`;
  const s = soa.summary;
  const rows = soa.controls.filter((c) => !filter || c.implementation === filter || (filter === 'not_applicable' && !c.applicable));
  return html`
    <h1>Statement of Applicability <span class="muted">${tenant.name}</span></h1>
    <p data-testid="soa-summary">${s.controls} controls: ${s.applicable} applicable, ${s.not_applicable} not ·
      ${s.implemented} implemented, ${s.partially_implemented} partially, ${s.planned} planned, ${s.not_implemented} not,
      ${s.not_assessed} not assessed · ${s.computed} computed, ${s.attested} attested</p>
    <label>Show <select value=${filter} onChange=${(e) => setFilter(e.currentTarget.value)}>
      <option value="">every control</option><option value="implemented">implemented</option>
      <option value="partially_implemented">partially implemented</option><option value="planned">planned</option>
      <option value="not_implemented">not implemented</option><option value="not_applicable">not applicable</option></select></label>
    <div class="table-wrap"><table class="triage soa">
      <thead><tr><th scope="col">Control</th><th scope="col">Applicable</th><th scope="col">Implementation</th>
        <th scope="col">Basis</th><th scope="col">How</th><th scope="col">Recommendations</th><th scope="col">Evidence</th></tr></thead>
      <tbody>${rows.map((c) => html`<tr data-control=${c.control_id}>
        <th scope="row">${c.display_id} ${c.title}</th>
        <td>${c.applicable ? 'yes' : html`no <span class="muted">${c.applicability_justification}</span>`}</td>
        <td>${label(c.implementation)}</td>
        <td>${label(c.basis)}${c.attested_by ? html` <span class="muted">by ${c.attested_by.name}</span>` : ''}</td>
        <td>${c.computation}</td>
        <td class="num">${c.mapped_recommendations.length}</td>
        <td class="num">${c.evidence_count}</td></tr>`)}</tbody>
    </table></div>`;
}
