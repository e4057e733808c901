// The quarter's roadmap board: one column per rollout phase, cards with owner, target date, points and warnings;
// items move by drag and drop or by buttons (keyboard), and a new quarter starts from the suggestion.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { EvidenceList } from './evidence.js';
import { OPERATORS } from './triage.js';

const html = htm.bind(h);
const PHASES = [['not_started', 'Not started'], ['pilot', 'Pilot'], ['early_adopters', 'Early adopters'], ['general', 'General'], ['done', 'Done']];
const points = (n) => (Math.round(n * 100) / 100).toLocaleString('en');

/** The quarter (`2026-Q4`) of the service's today (`me.now`), so the browser's own clock never decides it. */
export function quarterOf(now) {
  const day = new Date(now);
  return `${day.getUTCFullYear()}-Q${Math.floor(day.getUTCMonth() / 3) + 1}`;
}

export function Roadmap({ tenant, me }) {
  const quarter = quarterOf(me.now);
  const base = `/tenants/${tenant.id}/roadmaps/${quarter}`;
  const [plan, setPlan] = useState(undefined);
  const [error, setError] = useState(null);
  const canEdit = OPERATORS.includes(me.role);
  // Management sign-off (DESIGN: it_manager, ciso): the baseline and the change records' approvals.
  const canApprove = ['it_manager', 'ciso'].includes(me.role);
  async function load() {
    try {
      // The list says whether the quarter has a plan, so a quarter without one is not a failed request.
      const plans = await api(`/tenants/${tenant.id}/roadmaps`);
      setPlan(plans.some((p) => p.quarter === quarter) ? await api(base) : null);
    } catch (e) { setError(e.message); }
  }
  useEffect(() => { load(); }, [tenant.id]);
  async function act(call) {
    try {
      await call();
      setError(null);
    } catch (e) { setError(e.message); }
    load();
  }
  const [editing, setEditing] = useState(null);
  function replan(item, event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body = { owner_team: f.get('owner_team') || null, target_date: f.get('target_date') || null, version: item.version };
    act(() => api(`${base}/items/${item.id}`, { method: 'PATCH', body })).then(() => setEditing(null));
  }
  const move = (item, phase) => act(() => api(`${base}/items/${item.id}/phase`, { method: 'POST', body: { phase, version: item.version } }));
  const lock = () => act(() => api(`${base}/baseline`, { method: 'POST', body: {} }));
  const approveAsItManager = (item) =>
    act(() => api(`${base}/items/${item.id}/approvals/it-manager`, { method: 'POST', body: { version: item.version } }));
  function recordLead(item, event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body = { name: f.get('name'), approved_on: f.get('approved_on'), evidence_url: f.get('evidence_url') || null, version: item.version };
    act(() => api(`${base}/items/${item.id}/approvals/business-lead`, { method: 'POST', body }));
  }
  const suggest = () => act(() => api(`${base}/suggest`, { method: 'POST', body: {} }));
  if (plan === undefined && !error) return html`<p class="muted" aria-busy="true">Loading the roadmap…</p>`;
  const warningsFor = (id) => (plan?.warnings || []).filter((w) => w.item_id === id);
  return html`
    <h1>Roadmap ${quarter} <span class="muted">${tenant.name}</span></h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${plan === null && html`<p>No plan for ${quarter} yet.</p>
      ${canEdit && html`<button type="button" onClick=${suggest}>Suggest a plan from P1 and P2</button>`}`}
    ${plan && html`
      <p>${plan.items.length} items · today ${points(plan.projection.today_percent)}% → projected
        ${' '}<strong>${points(plan.projection.projected_percent)}%</strong> (+${points(plan.projection.points_gained)} points)</p>
      ${plan.warnings.filter((w) => !w.item_id).map((w) => html`<p class="warning" role="note">${w.message}</p>`)}
      <p data-testid="baseline">${plan.baseline_locked_at
        ? `Baseline locked by ${plan.baseline_locked_by} on ${plan.baseline_locked_at.slice(0, 10)}`
        : 'No baseline yet: lock one to measure delivery against it.'}
        ${canApprove && !plan.baseline_locked_at && html` <button type="button" onClick=${lock}>Lock the baseline</button>`}</p>
      <div class="board">${PHASES.map(([phase, name], column) => html`
        <section class="column" aria-label=${name} data-phase=${phase}
          onDragOver=${(e) => canEdit && e.preventDefault()}
          onDrop=${(e) => { e.preventDefault(); const item = plan.items.find((i) => i.id === e.dataTransfer.getData('text/plain')); if (item && item.phase.phase !== phase) move(item, phase); }}>
          <h2>${name}</h2>
          ${plan.items.filter((i) => i.phase.phase === phase).map((item) => html`
            <article class="card item" data-id=${item.id} draggable=${canEdit}
              onDragStart=${(e) => e.dataTransfer.setData('text/plain', item.id)}>
              <h3>${item.title}</h3>
              <p><span class=${`badge b-${item.bucket}`}>${item.bucket}</span> +${points(item.points_available)} points</p>
              <p class="muted">${item.owner.team || (item.owner.user_id ? 'a member' : 'no owner')}${item.target_date ? ` · due ${item.target_date}` : ''}</p>
              ${warningsFor(item.id).map((w) => html`<p class="warning">${w.message}</p>`)}
              <details><summary>Change record</summary>
                <p>IT manager: ${item.change_record.it_manager_approval ? `approved by ${item.change_record.it_manager_approval.by}` : 'not yet'}
                  ${me.role === 'it_manager' && !item.change_record.it_manager_approval && html` <button type="button" class="small" onClick=${() => approveAsItManager(item)}>Approve</button>`}</p>
                <p>Business lead: ${item.change_record.business_lead_approval ? `${item.change_record.business_lead_approval.name}, ${item.change_record.business_lead_approval.approved_on}` : 'not recorded'}</p>
                ${canApprove && !item.change_record.business_lead_approval && html`<form class="stack" onSubmit=${(e) => recordLead(item, e)}>
                  <label>Business lead <input name="name" required /></label>
                  <label>Approved on <input type="date" name="approved_on" required /></label>
                  <label>Evidence link <input type="url" name="evidence_url" /></label>
                  <button type="submit">Record the approval</button></form>`}
              </details>
              <details><summary>Evidence</summary>
                <${EvidenceList} tenant=${tenant} targetKind="roadmap_item" targetId=${item.id} canAdd=${canEdit} canDelete=${me.role === 'admin'} /></details>
              ${canEdit && editing === item.id && html`<form class="stack" onSubmit=${(e) => replan(item, e)}>
                <label>Owner (team) <input name="owner_team" value=${item.owner.team || ''} /></label>
                <label>Target date <input type="date" name="target_date" value=${item.target_date || ''} /></label>
                <button type="submit">Save</button></form>`}
              ${canEdit && html`<div class="steps">
                <button type="button" class="small" aria-label=${`Edit owner and target date of ${item.title}`} onClick=${() => setEditing(editing === item.id ? null : item.id)}>✎</button>
                ${column > 0 && html`<button type="button" class="small" aria-label=${`Move ${item.title} back to ${PHASES[column - 1][1]}`} onClick=${() => move(item, PHASES[column - 1][0])}>←</button>`}
                ${column < PHASES.length - 1 && html`<button type="button" class="small" aria-label=${`Move ${item.title} to ${PHASES[column + 1][1]}`} onClick=${() => move(item, PHASES[column + 1][0])}>→</button>`}
              </div>`}
            </article>`)}
        </section>`)}
      </div>`}`;
}
