// The Statement of Applicability (ISO/IEC 27001:2022 clause 6.1.3 d): every Annex A control, applicable or not,
// its implementation computed from the mapped recommendations or attested by a person, and its evidence.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

const html = htm.bind(h);
const label = (text) => (text ? text.replace(/_/g, ' ') : '—');
/** Who states applicability and attests implementation (DESIGN: it_manager, ciso). */
const EDITORS = ['it_manager', 'ciso'];
const IMPLEMENTATIONS = ['implemented', 'partially_implemented', 'planned', 'not_implemented'];

/** A person's statement about one control: applicability with its justification, and an attested
 * implementation (over a computed one only with a justification). */
function Statement({ tenant, control, onSaved, onCancel }) {
  const [applicable, setApplicable] = useState(control.applicable);
  const [error, setError] = useState(null);
  function save(event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body = {
      applicable,
      applicability_justification: f.get('applicability_justification') || null,
      implementation: applicable ? f.get('implementation') || null : null,
      implementation_justification: f.get('implementation_justification') || null,
      evidence_ids: control.evidence_ids,
      version: control.version,
    };
    api(`/tenants/${tenant.id}/soa/${control.control_id}`, { method: 'PUT', body }).then(onSaved).catch((e) => setError(e.message));
  }
  return html`<form class="stack statement" onSubmit=${save} aria-label=${`Statement for ${control.display_id}`}>
    <label class="check"><input type="checkbox" checked=${applicable} onChange=${(e) => setApplicable(e.currentTarget.checked)} /> Applicable</label>
    <label>Justification of applicability <input name="applicability_justification" value=${control.applicability_justification || ''} required=${!applicable} /></label>
    ${applicable && html`<label>Attested implementation <select name="implementation" value=${control.attested_implementation || ''}>
        <option value="">none (computed, or not assessed)</option>${IMPLEMENTATIONS.map((i) => html`<option value=${i}>${label(i)}</option>`)}</select></label>
      <label>Justification of the attestation <input name="implementation_justification" value=${control.implementation_justification || ''} /></label>`}
    <div class="steps"><button type="submit">Save the statement</button><button type="button" class="link" onClick=${onCancel}>Cancel</button></div>
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

export function Soa({ tenant, me }) {
  const [soa, setSoa] = useState(null);
  const [error, setError] = useState(null);
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState(null);
  const load = () => api(`/tenants/${tenant.id}/soa`).then(setSoa).catch((e) => setError(e.message));
  useEffect(() => { load(); }, [tenant.id]);
  const canEdit = EDITORS.includes(me.role);
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
        <th scope="row">${c.display_id} ${c.title}
          ${canEdit && html` <button type="button" class="link small" aria-label=${`Edit the statement for ${c.display_id}`} onClick=${() => setEditing(c.control_id)}>✎</button>`}
          ${editing === c.control_id && html`<${Statement} tenant=${tenant} control=${c} onSaved=${() => { setEditing(null); load(); }} onCancel=${() => setEditing(null)} />`}</th>
        <td>${c.applicable ? 'yes' : html`no <span class="muted">${c.applicability_justification}</span>`}</td>
        <td>${label(c.implementation)}</td>
        <td>${label(c.basis)}${c.attested_by ? html` <span class="muted">by ${c.attested_by.name}</span>` : ''}</td>
        <td>${c.computation}</td>
        <td class="num">${c.mapped_recommendations.length}</td>
        <td class="num">${c.evidence_count}</td></tr>`)}</tbody>
    </table></div>`;
}
