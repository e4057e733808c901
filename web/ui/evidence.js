// Evidence on an item, a roadmap item or a register entry: who added what and when, with its SHA-256; files open
// through a single-use download token; the roles that operate attach files (with upload progress) and links.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api, download, upload } from './api.js';

const html = htm.bind(h);
const label = (text) => text.replace(/_/g, ' ');

export function EvidenceList({ tenant, targetKind, targetId, canAdd, canDelete }) {
  const [items, setItems] = useState(null);
  const [correcting, setCorrecting] = useState(null);
  const [deleting, setDeleting] = useState(null);
  const [error, setError] = useState(null);
  const [progress, setProgress] = useState(null);
  const base = `/tenants/${tenant.id}/evidence`;
  async function load() {
    try {
      setItems((await api(`${base}?target_kind=${targetKind}&target_id=${encodeURIComponent(targetId)}&limit=100`)).items);
    } catch (e) { setError(e.message); }
  }
  useEffect(() => { load(); }, [targetId]);
  async function attach(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const fields = correcting
      ? { title: form.get('title'), proves: form.get('proves'), supersedes: correcting.id }
      : { title: form.get('title'), proves: form.get('proves'), target_kind: targetKind, target_id: targetId };
    const file = form.get('file');
    setError(null);
    try {
      if (file?.size) {
        setProgress(0);
        await upload(base, file, setProgress, fields);
      } else if (form.get('url')) {
        await api(`${base}/links`, { method: 'POST', body: { ...fields, url: form.get('url') } });
      } else {
        throw new Error('Choose a file or give a link.');
      }
      event.currentTarget?.reset();
      setCorrecting(null);
      load();
    } catch (e) {
      setError(e.message);
    } finally {
      setProgress(null);
    }
  }
  async function remove(event, item) {
    event.preventDefault();
    const reason = new FormData(event.currentTarget).get('reason');
    try {
      await api(`${base}/${item.id}`, { method: 'DELETE', body: { reason } });
      setDeleting(null);
      load();
    } catch (e) { setError(e.message); }
  }
  return html`<section class="evidence" aria-label="Evidence">
    <h3>Evidence</h3>
    ${items && !items.length && html`<p class="muted">No evidence yet.</p>`}
    <ul class="evidence-list">${(items || []).map((e) => html`<li data-kind=${e.kind}>
      ${e.url
        ? html`<a href=${e.url} rel="noopener noreferrer" target="_blank">${e.title}</a>`
        : html`<button type="button" class="link" onClick=${() => download(e.content_url.replace('/api/v1', '')).catch((x) => setError(x.message))}>${e.title}</button>`}
      <span class="muted"> · ${label(e.kind)} · ${e.created_by.name}, ${e.created_at.slice(0, 10)}${e.superseded_by ? ' · corrected by a newer version' : ''}</span>
      ${e.proves && html`<div>${e.proves}</div>`}
      <div class="muted"><code title="SHA-256">${e.sha256.slice(0, 16)}…</code></div>
      <div class="steps">
        ${canAdd && !e.superseded_by && html`<button type="button" class="link" onClick=${() => setCorrecting(e)}>Correct</button>`}
        ${canDelete && html`<button type="button" class="link" onClick=${() => setDeleting(e)}>Delete</button>`}
      </div>
      ${deleting?.id === e.id && html`<form class="inline" onSubmit=${(ev) => remove(ev, e)}>
        <label>Why is it deleted? <input name="reason" required /></label>
        <button type="submit">Delete for good</button>
        <button type="button" class="link" onClick=${() => setDeleting(null)}>Cancel</button></form>`}</li>`)}</ul>
    ${canAdd && html`<form class="stack" onSubmit=${attach}>
      ${correcting && html`<p role="status">Correcting “${correcting.title}”: the new version supersedes it; both stay.
        <button type="button" class="link" onClick=${() => setCorrecting(null)}>Cancel</button></p>`}
      <label>Title <input name="title" required /></label>
      <label>What it proves <input name="proves" /></label>
      <label>File <input type="file" name="file" /></label>
      <label>or a link <input type="url" name="url" placeholder="https://…" /></label>
      <button type="submit" disabled=${progress !== null}>${correcting ? 'Add the corrected version' : 'Add evidence'}</button>
      ${progress !== null && html`<progress max="1" value=${progress} aria-label="Upload progress"></progress>`}
    </form>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}
