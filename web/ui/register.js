// The risk-acceptance register: the entries with their state and review-due highlighting, a proposal form for
// the roles that propose, and on each entry the workflow steps the server says this person may take now
// (`…/steps`): a button the server would refuse is never offered, and the server still judges every step.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { EvidenceList } from './evidence.js';
import { OPERATORS } from './triage.js';

const html = htm.bind(h);
const label = (text) => text.replace(/_/g, ' ');
const STEP_LABELS = {
  update: 'Edit',
  submit: 'Submit', review: 'Review', return: 'Return', approve: 'Approve', reject: 'Reject', revoke: 'Revoke', renew: 'Renew',
  refuse: 'Refuse renewal',
};
/** What each step asks for before it is sent. */
const STEP_TEXT = {
  review: ['business_context', 'Business context'],
  return: ['reason', 'Reason'],
  reject: ['reason', 'Reason'],
  revoke: ['reason', 'Reason'],
  renew: ['comment', 'Why renew'],
  refuse: ['comment', 'Why the renewal is refused'],
};

function Propose({ tenant, onProposed, entry }) {
  const [items, setItems] = useState([]);
  const [error, setError] = useState(null);
  const [decision, setDecision] = useState(entry?.decision || 'risk_acceptance');
  useEffect(() => {
    api(`/tenants/${tenant.id}/recommendations?status=to_address&limit=500&sort=title`).then((p) => {
      const own = (entry?.recommendations || []).filter((r) => !p.items.some((i) => i.id === r.id));
      setItems([...own, ...p.items]);
    }).catch((e) => setError(e.message));
  }, [tenant.id]);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const body = {
      decision,
      recommendation_ids: form.getAll('recommendation_ids'),
      risk_description: form.get('risk_description'),
      business_justification: form.get('business_justification'),
      compensating_controls: form.get('compensating_controls'),
      residual_risk: form.get('residual_risk'),
    };
    if (decision !== 'risk_acceptance') body.covered_by = form.get('covered_by');
    try {
      if (entry) {
        await api(`/tenants/${tenant.id}/risk-acceptances/${entry.id}`, { method: 'PUT', body: { ...body, version: entry.version } });
      } else {
        await api(`/tenants/${tenant.id}/risk-acceptances`, { method: 'POST', body });
      }
      event.currentTarget?.reset();
      setError(null);
      onProposed();
    } catch (e) { setError(e.message); }
  }
  const chosen = new Set(entry?.recommendation_ids || []);
  const fields = html`<form class="stack" onSubmit=${submit}>
        <label>Recommendations <select name="recommendation_ids" multiple required size="5">
          ${items.map((i) => html`<option value=${i.id} selected=${chosen.has(i.id)}>${i.title}</option>`)}</select></label>
        <label>Decision <select name="decision" value=${decision} onChange=${(e) => setDecision(e.currentTarget.value)}>
          <option value="risk_acceptance">Risk acceptance</option><option value="third_party">Third party</option>
          <option value="alternate_mitigation">Alternate mitigation</option></select></label>
        ${decision !== 'risk_acceptance' && html`<label>Covered by <input name="covered_by" required value=${entry?.covered_by || ''} /></label>`}
        <label>Risk description <textarea name="risk_description" required rows="2" value=${entry?.risk_description || ''}></textarea></label>
        <label>Business justification <textarea name="business_justification" required rows="2" value=${entry?.business_justification || ''}></textarea></label>
        <label>Compensating controls <textarea name="compensating_controls" required rows="2" value=${entry?.compensating_controls || ''}></textarea></label>
        <label>Residual risk <select name="residual_risk" value=${entry?.residual_risk || 'low'}><option>low</option><option>medium</option><option>high</option></select></label>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit">${entry ? 'Save the draft' : 'Save draft'}</button>
      </form>`;
  if (entry) return fields;
  return html`
    <details class="card">
      <summary>Propose a risk acceptance</summary>
      ${fields}
    </details>`;
}

function Steps({ tenant, entry, onStepped }) {
  const [steps, setSteps] = useState(null);
  const [pending, setPending] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    // Refusing a renewal is the renew step answered no (it revokes the entry), offered wherever renewing is.
    api(`/tenants/${tenant.id}/risk-acceptances/${entry.id}/steps`)
      .then((s) => setSteps(s.allowed.flatMap((a) => (a === 'renew' ? ['renew', 'refuse'] : [a]))))
      .catch((e) => setError(e.message));
  }, [entry.id, entry.version]);
  async function take(action, text) {
    const body = { version: entry.version };
    if (STEP_TEXT[action]) body[STEP_TEXT[action][0]] = text;
    if (action === 'renew' || action === 'refuse') body.renew = action === 'renew';
    const path = action === 'refuse' ? 'renew' : action;
    // One step at a time: the buttons wait until the entry, read again, says what comes next.
    setBusy(true);
    try {
      await api(`/tenants/${tenant.id}/risk-acceptances/${entry.id}/${path}`, { method: 'POST', body });
      setPending(null);
      setError(null);
      await onStepped();
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  }
  if (!steps) return null;
  return html`<div class="steps">
    ${steps.map((action) => html`<button type="button" disabled=${busy} onClick=${() => (action === 'update' ? setPending('update') : STEP_TEXT[action] ? setPending(action) : take(action))}
      aria-label=${`${STEP_LABELS[action]} ${entry.reference}`}>${STEP_LABELS[action]}</button>`)}
    ${pending === 'update' && html`<${Propose} tenant=${tenant} entry=${entry} onProposed=${() => { setPending(null); onStepped(); }} />`}
    ${pending && pending !== 'update' && html`<form class="inline" onSubmit=${(e) => { e.preventDefault(); take(pending, new FormData(e.currentTarget).get('text')); }}>
      <label>${STEP_TEXT[pending][1]} <input name="text" required /></label>
      <button type="submit">Confirm ${STEP_LABELS[pending].toLowerCase()}</button>
      <button type="button" class="link" onClick=${() => setPending(null)}>Cancel</button>
    </form>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </div>`;
}

export function Register({ tenant, me }) {
  const [entries, setEntries] = useState(null);
  const [error, setError] = useState(null);
  async function load() {
    try {
      setEntries((await api(`/tenants/${tenant.id}/risk-acceptances?limit=500`)).items);
    } catch (e) { setError(e.message); }
  }
  useEffect(() => { load(); }, [tenant.id]);
  return html`
    <h1>Risk-acceptance register <span class="muted">${tenant.name}</span></h1>
    ${OPERATORS.includes(me.role) && html`<${Propose} tenant=${tenant} onProposed=${load} />`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${entries && !entries.length && html`<p class="muted">No entries yet.</p>`}
    <div class="entries">${(entries || []).map((e) => html`
      <article class="card entry" data-reference=${e.reference} data-state=${e.state}>
        <h2>${e.reference} <span class=${`state s-${e.state}`}>${label(e.state)}</span>
          ${e.review_due && html`<span class="tag bad">review due</span>`}${e.needs_re_review && html`<span class="tag bad">needs re-review</span>`}</h2>
        <p>${label(e.decision)} · residual risk ${e.residual_risk} · ${e.points_at_stake} points at stake${e.low_impact ? ' · low impact' : ''}</p>
        <ul>${e.recommendations.map((r) => html`<li>${r.title} <span class="muted">(${label(r.status)})</span></li>`)}</ul>
        <p class="muted">Proposed by ${e.proposer.name}${e.reviewer ? `, reviewed by ${e.reviewer.name}` : ''}${e.approver ? `, approved by ${e.approver.name}` : ''}${e.review_date ? ` · review by ${e.review_date}` : ''}</p>
        <${Steps} tenant=${tenant} entry=${e} onStepped=${load} />
        <details><summary>Evidence</summary>
          <${EvidenceList} tenant=${tenant} targetKind="risk_acceptance" targetId=${e.id} canAdd=${OPERATORS.includes(me.role)} canDelete=${me.role === 'admin'} /></details>
      </article>`)}</div>`;
}
