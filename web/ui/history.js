// An item's history in the detail drawer: the team's notes (operators add one), and for the roles that read the
// audit log, every recorded change to the item with who and when.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

const html = htm.bind(h);
const AUDIT_READERS = ['auditor', 'ciso', 'admin'];

/** What an audit row changed, in a line. */
function changed(row) {
  const after = row.after || {};
  const parts = Object.entries(after)
    .filter(([, v]) => v !== null && typeof v !== 'object')
    .slice(0, 4)
    .map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`);
  return parts.join(', ');
}

export function ItemHistory({ tenant, item, me, canNote }) {
  const [notes, setNotes] = useState([]);
  const [rows, setRows] = useState([]);
  const [error, setError] = useState(null);
  const base = `/tenants/${tenant.id}`;
  const load = () => {
    api(`${base}/recommendations/${item.id}/notes`).then(setNotes).catch((e) => setError(e.message));
    if (AUDIT_READERS.includes(me.role)) {
      api(`${base}/audit?entity=recommendation&entity_id=${item.id}&limit=100`).then((p) => setRows(p.items)).catch((e) => setError(e.message));
    }
  };
  useEffect(load, [item.id]);
  function add(event) {
    event.preventDefault();
    const text = new FormData(event.currentTarget).get('text');
    const form = event.currentTarget;
    api(`${base}/recommendations/${item.id}/notes`, { method: 'POST', body: { text } })
      .then(() => { form.reset(); load(); })
      .catch((e) => setError(e.message));
  }
  return html`<section aria-label="History">
    <h3>Notes</h3>
    ${!notes.length && html`<p class="muted">No notes yet.</p>`}
    <ul class="evidence-list">${notes.map((n) => html`<li><div>${n.text}</div><span class="muted">${n.author}, ${n.at.slice(0, 16).replace('T', ' ')}</span></li>`)}</ul>
    ${canNote && html`<form class="inline" onSubmit=${add}><label>Note <input name="text" required /></label><button type="submit">Add note</button></form>`}
    ${rows.length > 0 && html`<h3>Recorded changes</h3>
      <ol class="evidence-list history">${rows.map((r) => html`<li><strong>${r.action.replace(/_/g, ' ')}</strong> by ${r.actor_name},
        <span class="muted">${r.at.slice(0, 16).replace('T', ' ')}</span><div class="muted">${changed(r)}</div></li>`)}</ol>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}
