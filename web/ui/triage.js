// The triage table: every recommendation with filters (on the server) and sort (TanStack Table, in the browser),
// inline risk/effort rating that re-buckets on save, the bucket badge with the rule that placed it, the quick-win tag, mapping chips, and a detail drawer
// with Microsoft's remediation text sanitised by DOMPurify before it is shown.

import { h } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import DOMPurify from 'dompurify';
import { api } from './api.js';
import { EvidenceList } from './evidence.js';
import { ItemHistory } from './history.js';
import { Matrix } from './matrix.js';
import { SortableHeader, useTable } from './table.js';

const html = htm.bind(h);
const LEVELS = ['high', 'medium', 'low'];
const BUCKETS = ['P1', 'P2', 'P3', 'P4', 'unrated'];
const CATEGORIES = ['Identity', 'Device', 'Apps', 'Data', 'Infrastructure'];
const STATUSES = ['to_address', 'planned', 'in_progress', 'risk_accepted', 'third_party', 'alternate_mitigation', 'completed'];
/** The sort menu, for those who would rather not use the column headers: column id, label, descending. */
const SORTS = [['bucket', 'Bucket', false], ['rank', 'Microsoft rank', false], ['points', 'Points available', true], ['title', 'Title', false]];
const EFFORTS = ['low', 'medium', 'high'];
/** Items per request; the demo's 223 items take two, so the browser test walks the cursor. */
const PAGE = 200;
/** Roles that rate, map and set statuses (DESIGN: engineer, it_manager, ciso). */
export const OPERATORS = ['engineer', 'it_manager', 'ciso'];

const label = (text) => text.replace(/_/g, ' ');
const REMEDIATION_TAGS = ['p', 'br', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li', 'a', 'code', 'pre', 'span', 'div',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'blockquote'];
const points = (n) => (Math.round(n * 100) / 100).toLocaleString('en');

function Rating({ item, axis, canRate, onRated, onError }) {
  const value = item.rating[axis] || '';
  const name = axis === 'risk_reduction' ? 'Risk reduction' : 'Implementation effort';
  if (!canRate) return html`<span>${value ? label(value) : '—'}</span>`;
  async function change(event) {
    const body = { ...pick(item.rating), [axis]: event.currentTarget.value, version: item.rating.version };
    try {
      onRated(await api(`/tenants/${item.tenant}/recommendations/${item.id}/rating`, { method: 'PUT', body }));
    } catch (e) {
      onError(`${item.title}: ${e.message}`);
    }
  }
  return html`<select aria-label=${`${name} of ${item.title}`} value=${value} onChange=${change}>
    <option value="" disabled>—</option>
    ${LEVELS.map((l) => html`<option value=${l}>${l}</option>`)}
  </select>`;
}

function pick(rating) {
  const out = {};
  if (rating.risk_reduction) out.risk_reduction = rating.risk_reduction;
  if (rating.implementation_effort) out.implementation_effort = rating.implementation_effort;
  return out;
}

function Drawer({ item, me, canMap, onClose, onChanged }) {
  const [error, setError] = useState(null);
  const close = useRef(null);
  // Keyboard users land in the drawer, and Escape closes it.
  useEffect(() => {
    close.current?.focus();
    const escape = (e) => { if (e.key === 'Escape') onClose(); };
    window.addEventListener('keydown', escape);
    return () => window.removeEventListener('keydown', escape);
  }, [item.id]);
  // Text markup only: no images, forms, frames or styles from outside, and links only by address.
  const safe = DOMPurify.sanitize(item.remediation || '', { ALLOWED_TAGS: REMEDIATION_TAGS, ALLOWED_ATTR: ['href', 'title'] });
  async function unmap(m) {
    try {
      await api(`/tenants/${item.tenant}/recommendations/${item.id}/mappings/${m.framework}/${encodeURIComponent(m.control_id)}`, { method: 'DELETE' });
      onChanged();
    } catch (e) { setError(e.message); }
  }
  async function map(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      await api(`/tenants/${item.tenant}/recommendations/${item.id}/mappings`, {
        method: 'POST',
        body: { framework: form.get('framework'), control_id: form.get('control_id').trim() },
      });
      event.currentTarget?.reset();
      onChanged();
    } catch (e) { setError(e.message); }
  }
  return html`
    <aside class="drawer card" role="dialog" aria-modal="false" aria-labelledby="drawer-title">
      <button class="link close" ref=${close} onClick=${onClose} aria-label="Close the details">×</button>
      <h2 id="drawer-title">${item.title}</h2>
      <p class="muted">${item.external_id || 'not matched to a control id'} · ${item.category || 'no category'} · Microsoft: ${item.ms_state || '—'}</p>
      ${item.diagnosis && html`<section aria-label="Diagnosis"><p><strong>Why its points are not moving:</strong> ${label(item.diagnosis.class)}</p>
        <ul>${item.diagnosis.evidence.map((e) => html`<li>${e}</li>`)}</ul></section>`}
      <h3>Remediation</h3>
      ${safe ? html`<div class="remediation" dangerouslySetInnerHTML=${{ __html: safe }}></div>` : html`<p class="muted">Microsoft gives no remediation text.</p>`}
      <h3>Framework controls</h3>
      <ul class="chips">${item.mappings.map((m) => html`<li class="chip" title=${m.title}>${m.display_id}
        ${canMap && html`<button class="link" aria-label=${`Remove ${m.display_id}`} onClick=${() => unmap(m)}>×</button>`}</li>`)}</ul>
      ${canMap && html`<form class="inline" onSubmit=${map}>
        <label>Framework <select name="framework"><option value="iso27001">ISO 27001</option><option value="nis2">NIS2</option><option value="gdpr">GDPR</option></select></label>
        <label>Control <input name="control_id" placeholder="5.17 or 21.2.j" required /></label>
        <button type="submit">Map</button>
      </form>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <${EvidenceList} tenant=${{ id: item.tenant }} targetKind="recommendation" targetId=${item.id} canAdd=${canMap} canDelete=${me.role === 'admin'} />
      <${ItemHistory} tenant=${{ id: item.tenant }} item=${item} me=${me} canNote=${canMap} />
    </aside>`;
}

/** Sorts by the position of the value in `order` (high risk reduction first, low effort first, P1 first). */
const byOrder = (order) => (a, b, id) => order.indexOf(a.getValue(id)) - order.indexOf(b.getValue(id));

/** The columns: what each sorts and filters by, and how its cell is drawn. */
function triageColumns({ canRate, onRated, onError, onOpen }) {
  const rating = (axis) => (item) => html`<${Rating} item=${item} axis=${axis} canRate=${canRate} onRated=${onRated} onError=${onError} />`;
  return [
    { id: 'title', header: 'Recommendation', accessorFn: (i) => i.title, sortingFn: 'text',
      meta: { render: (item) => html`<button class="link title" onClick=${() => onOpen(item)}>${item.title}</button>
        ${item.quick_win && html` <span class="tag">quick win</span>`}${item.regressed && html` <span class="tag bad">regressed</span>`}` } },
    { id: 'category', header: 'Category', accessorFn: (i) => i.category ?? undefined, sortingFn: 'text', sortUndefined: 'last',
      meta: { render: (item) => item.category || '—' } },
    { id: 'status', header: 'Status', accessorFn: (i) => i.status, sortingFn: byOrder(STATUSES),
      meta: { render: (item) => label(item.status) } },
    { id: 'points', header: 'Points available', accessorFn: (i) => i.points_available, sortingFn: 'basic', sortDescFirst: true,
      meta: { className: 'num', render: (item) => points(item.points_available) } },
    { id: 'risk', header: 'Risk', accessorFn: (i) => i.rating.risk_reduction ?? undefined, sortingFn: byOrder(LEVELS), sortUndefined: 'last',
      meta: { render: rating('risk_reduction') } },
    { id: 'effort', header: 'Effort', accessorFn: (i) => i.rating.implementation_effort ?? undefined, sortingFn: byOrder(EFFORTS), sortUndefined: 'last',
      meta: { render: rating('implementation_effort') } },
    { id: 'bucket', header: 'Bucket', accessorFn: (i) => i.bucket, sortingFn: byOrder(BUCKETS),
      meta: { render: (item) => html`<span class="badge b-${item.bucket}" title=${item.bucket_rule || 'Rate both axes to place it'} data-testid="bucket">${item.bucket}</span>` } },
    { id: 'controls', header: 'Controls', enableSorting: false, accessorFn: (i) => i.mappings.length,
      meta: { render: (item) => html`<ul class="chips">${item.mappings.slice(0, 4).map((m) => html`<li class="chip" title=${m.title}>${m.display_id}</li>`)}${item.mappings.length > 4 && html`<li class="chip">+${item.mappings.length - 4}</li>`}</ul>` } },
    // Not shown: Microsoft's rank for the sort menu, and the matrix cell the matrix filters by.
    { id: 'rank', header: 'Microsoft rank', accessorFn: (i) => i.rank ?? undefined, sortingFn: 'basic', sortUndefined: 'last' },
    { id: 'cell', header: 'Matrix cell', accessorFn: (i) => `${i.rating.risk_reduction}/${i.rating.implementation_effort}`, filterFn: 'equals' },
  ];
}

export function Triage({ tenant, me }) {
  const [filter, setFilter] = useState({});
  const [sorting, setSorting] = useState([{ id: 'bucket', desc: false }]);
  const [page, setPage] = useState(null);
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const [cell, setCell] = useState(null);
  const canRate = OPERATORS.includes(me.role);
  // Typing in the search starts a load per keystroke: only the newest one's answer is shown.
  const latest = useRef(0);

  async function load() {
    const ticket = ++latest.current;
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [k, v] of Object.entries(filter)) if (v !== '' && v !== false && v !== undefined) params.set(k, String(v));
    try {
      // Every page: the table sorts and the matrix counts in the browser, so they need the whole filtered list.
      const result = await api(`/tenants/${tenant.id}/recommendations?${params}`);
      for (let next = result.next_cursor; next;) {
        params.set('cursor', next);
        const more = await api(`/tenants/${tenant.id}/recommendations?${params}`);
        result.items.push(...more.items);
        next = more.next_cursor;
      }
      if (ticket !== latest.current) return;
      setPage(result);
      setError(null);
      if (open) setOpen(result.items.find((i) => i.id === open.id) || null);
    } catch (e) { setError(e.message); }
  }
  useEffect(() => { load(); }, [tenant.id, JSON.stringify(filter)]);
  const set = (key) => (event) => {
    const target = event.currentTarget;
    setFilter({ ...filter, [key]: target.type === 'checkbox' ? target.checked : target.value });
  };
  function rated(updated) {
    setPage({ ...page, items: page.items.map((i) => (i.id === updated.id ? updated : i)) });
  }
  const all = useMemo(() => (page?.items || []).map((i) => ({ ...i, tenant: tenant.id })), [page, tenant.id]);
  const table = useTable({
    data: all,
    columns: triageColumns({ canRate, onRated: rated, onError: setError, onOpen: setOpen }),
    getRowId: (item) => item.id,
    state: { sorting, columnFilters: cell ? [{ id: 'cell', value: cell }] : [], columnVisibility: { rank: false, cell: false } },
    onSortingChange: setSorting,
  });
  const rows = table.getRowModel().rows;
  const chosen = SORTS.find(([id, , desc]) => sorting.length === 1 && sorting[0].id === id && sorting[0].desc === desc);
  function sortBy(event) {
    const [id, , desc] = SORTS.find(([column]) => column === event.currentTarget.value);
    setSorting([{ id, desc }]);
  }
  return html`
    <h1>Triage <span class="muted">${tenant.name}</span></h1>
    <form class="filters" role="search" onSubmit=${(e) => e.preventDefault()}>
      <label>Bucket <select value=${filter.bucket || ''} onChange=${set('bucket')}><option value="">any</option>${BUCKETS.map((b) => html`<option value=${b}>${b}</option>`)}</select></label>
      <label>Category <select value=${filter.category || ''} onChange=${set('category')}><option value="">any</option>${CATEGORIES.map((c) => html`<option>${c}</option>`)}</select></label>
      <label>Status <select value=${filter.status || ''} onChange=${set('status')}><option value="">any</option>${STATUSES.map((s) => html`<option value=${s}>${label(s)}</option>`)}</select></label>
      <label class="check"><input type="checkbox" checked=${!!filter.regressed} onChange=${set('regressed')} /> Regressed</label>
      <label>Search <input type="search" value=${filter.q || ''} onInput=${set('q')} placeholder="title or control id" /></label>
      <label>Owner <input value=${filter.owner || ''} onChange=${set('owner')} placeholder="team or user id" /></label>
      <label>Tag <input value=${filter.tag || ''} onChange=${set('tag')} /></label>
      <label>Sort <select value=${chosen ? chosen[0] : ''} onChange=${sortBy}>
        ${!chosen && html`<option value="" disabled>by the column headers</option>`}
        ${SORTS.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
    </form>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${page && html`<${Matrix} items=${all} selected=${cell} onSelect=${setCell} />`}
    ${page && html`<p class="muted" aria-live="polite">${cell ? `${rows.length} of ${page.total} recommendations (matrix cell ${cell.replace('/', ' risk reduction, ')} effort)` : `${page.total} recommendations`}</p>`}
    <div class="table-wrap"><table class="triage">
      <${SortableHeader} table=${table} />
      <tbody>${rows.map((row) => html`
        <tr data-id=${row.id} data-bucket=${row.original.bucket}>
          ${row.getVisibleCells().map((c) => html`<td class=${c.column.columnDef.meta.className}>${c.column.columnDef.meta.render(row.original)}</td>`)}
        </tr>`)}</tbody>
    </table></div>
    ${open && html`<${Drawer} item=${{ ...open, tenant: tenant.id }} me=${me} canMap=${canRate} onClose=${() => setOpen(null)} onChanged=${load} />`}`;
}
