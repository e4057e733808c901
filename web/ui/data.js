// Imports and exports: upload a portal export (CSV or xlsx) with progress, run the Graph or Defender connector
// and follow its run, see the change list; download the triage workbook and upload it edited (each refused cell
// shown at its cell reference).

import { h } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';
import { api, download, upload } from './api.js';
import { OPERATORS } from './triage.js';

const html = htm.bind(h);
const COUNTED = ['read', 'new', 'updated', 'unchanged', 'removed', 'regressions', 'completions', 'unmatched'];

function Run({ run }) {
  return html`<section class="card" aria-label="Import result" data-testid="import-run">
    <h3>${run.source} import: ${run.outcome || run.phase}</h3>
    <p>${COUNTED.filter((k) => run.counts[k]).map((k) => `${run.counts[k]} ${k.replace('_', ' ')}`).join(' · ') || 'nothing read'}</p>
    ${run.errors.map((e) => html`<p class="error">${e.message || JSON.stringify(e)}</p>`)}
    ${run.changes?.length > 0 && html`<table class="counts changes"><tbody>${run.changes.slice(0, 200).map((c) => html`
      <tr><th scope="row">${c.kind.replace(/_/g, ' ')}</th><td>${c.title}</td></tr>`)}</tbody></table>`}
  </section>`;
}

function Upload({ label, accept, path, onDone }) {
  const [progress, setProgress] = useState(null);
  const [problem, setProblem] = useState(null);
  async function send(event) {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get('file');
    if (!file?.size) return;
    setProblem(null);
    setProgress(0);
    try {
      onDone(await upload(path, file, setProgress));
    } catch (e) {
      setProblem(e);
    } finally {
      setProgress(null);
    }
  }
  return html`<form class="inline" onSubmit=${send}>
    <label>${label} <input type="file" name="file" accept=${accept} required /></label>
    <button type="submit" disabled=${progress !== null}>Upload</button>
    ${progress !== null && html`<progress max="1" value=${progress} aria-label="Upload progress"></progress>`}
    ${problem && html`<div class="error" role="alert"><p>${problem.message}</p>
      ${problem.errors.length > 0 && html`<ul class="cell-errors">${problem.errors.map((e) => html`<li><code>${e.field}</code> ${e.message}</li>`)}</ul>`}</div>`}
  </form>`;
}

/** The day a year before the service's today. */
function yearAgo(now) {
  const day = new Date(now);
  day.setUTCFullYear(day.getUTCFullYear() - 1);
  return day.toISOString().slice(0, 10);
}

export function Data({ tenant, me }) {
  const [run, setRun] = useState(null);
  const [triage, setTriage] = useState(null);
  const [error, setError] = useState(null);
  const base = `/tenants/${tenant.id}`;
  const operator = OPERATORS.includes(me.role);
  async function connector(kind) {
    setError(null);
    try {
      let current = await api(`${base}/imports/${kind}`, { method: 'POST', body: {} });
      setRun(current);
      while (!current.outcome) {
        await new Promise((r) => setTimeout(r, 1000));
        current = await api(`${base}/imports/${current.id}`);
        setRun(current);
      }
    } catch (e) { setError(e.message); }
  }
  return html`
    <h1>Imports and exports <span class="muted">${tenant.name}</span></h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${operator && html`<section class="card stack" aria-labelledby="import-title">
      <h2 id="import-title">Import Secure Score</h2>
      <${Upload} label="Portal export (CSV or xlsx)" accept=".csv,.xlsx,text/csv" path=${`${base}/imports`} onDone=${setRun} />
      <div class="steps">
        <button type="button" onClick=${() => connector('graph')}>Import from Microsoft Graph</button>
        <button type="button" onClick=${() => connector('defender')}>Import from Defender for Cloud</button>
      </div>
    </section>`}
    ${run && html`<${Run} run=${run} />`}
    ${['auditor', 'ciso', 'admin'].includes(me.role) && html`<section class="card stack" aria-labelledby="pack-title">
      <h2 id="pack-title">Evidence pack</h2>
      <p class="muted">The auditor workbook, every evidence file of the period, the period's audit log and a manifest
        signed with this instance's key (check it offline with <code>scoregrc verify-pack</code>).</p>
      <form class="inline" onSubmit=${(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const query = new URLSearchParams({ from: form.get('from'), to: form.get('to') }).toString();
        download(`${base}/exports/evidence-pack.zip`, query).catch((x) => setError(x.message));
      }}>
        <label>From <input type="date" name="from" required value=${yearAgo(me.now)} /></label>
        <label>To <input type="date" name="to" required value=${me.now.slice(0, 10)} /></label>
        <button type="submit">Download the evidence pack</button>
      </form>
    </section>`}
    <section class="card stack" aria-labelledby="triage-title">
      <h2 id="triage-title">Quarterly triage workbook</h2>
      <div class="steps"><button type="button" onClick=${() => download(`${base}/exports/triage.xlsx`).catch((e) => setError(e.message))}>Download the triage workbook</button></div>
      ${operator && html`<${Upload} label="Edited triage workbook" accept=".xlsx" path=${`${base}/imports/triage`} onDone=${setTriage} />`}
      ${triage && html`<p data-testid="triage-result">${`${triage.rows_read} rows read: ${triage.ratings_changed} ratings changed, ${triage.mappings_added} mappings added, ${triage.mappings_removed} removed, ${triage.unchanged} unchanged.`}</p>`}
    </section>`;
}
