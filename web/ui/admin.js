// Administration: accounts and their roles (and a reset of their two-step sign-in, and their single sign-on
// identities), the sign-in policy and single sign-on, service tokens (the secret shown once), the Graph connector
// (its secret write-only), alert channels with a test button, and the tenant's audit scope and priority rules.
// Accounts, tokens, connectors and channels are the admin's; audit scope and rules the CISO's and the admin's.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';
import { Identities, SingleSignOn } from './sso_admin.js';

const html = htm.bind(h);
const ROLES = ['engineer', 'it_manager', 'ciso', 'auditor', 'admin'];
const FRAMEWORKS = [['iso27001', 'ISO/IEC 27001:2022'], ['nis2', 'NIS2'], ['gdpr', 'GDPR Art. 32']];

/** Loads `path` into state; answers [value, reload, error, setError]. */
function useLoad(path) {
  const [value, setValue] = useState(null);
  const [error, setError] = useState(null);
  const reload = () => api(path).then(setValue).catch((e) => setError(e.message));
  useEffect(() => { reload(); }, [path]);
  return [value, reload, error, setError];
}

function Users({ tenant }) {
  const [page, reload, error, setError] = useLoad('/users?limit=500');
  const [resetting, setResetting] = useState(null);
  const [identities, setIdentities] = useState(null);
  function reset(user, event) {
    event.preventDefault();
    const new_password = new FormData(event.currentTarget).get('password');
    api(`/users/${user.id}/password-reset`, { method: 'POST', body: { new_password } })
      .then(() => { setResetting(null); reload(); }).catch((e) => setError(e.message));
  }
  const run = (call) => call().then(reload).catch((e) => setError(e.message));
  function create(event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body = { username: f.get('username'), display_name: f.get('display_name') || null, role: f.get('role'), password: f.get('password'), must_change_password: true };
    run(async () => {
      const user = await api('/users', { method: 'POST', body });
      if (user.role !== 'admin') await api(`/tenants/${tenant.id}/members/${user.id}`, { method: 'PUT' });
    });
  }
  const patch = (user, change) => run(() => api(`/users/${user.id}`, { method: 'PATCH', body: { ...change, version: user.version } }));
  return html`<section class="card wide" aria-labelledby="users-title">
    <h2 id="users-title">Accounts</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <div class="table-wrap"><table class="triage"><thead><tr><th scope="col">Account</th><th scope="col">Role</th><th scope="col">In ${tenant.name}</th><th scope="col">State</th></tr></thead>
      <tbody>${(page?.items || []).map((u) => html`<tr data-user=${u.username}>
        <th scope="row">${u.username} <span class="muted">${u.display_name}</span></th>
        <td><select aria-label=${`Role of ${u.username}`} value=${u.role} onChange=${(e) => patch(u, { role: e.currentTarget.value })}>
          ${ROLES.map((r) => html`<option value=${r}>${r.replace('_', ' ')}</option>`)}</select></td>
        <td>${u.role === 'admin' ? 'all tenants' : u.tenant_ids.includes(tenant.id) ? html`member <button type="button" class="link" onClick=${() => run(() => api(`/tenants/${tenant.id}/members/${u.id}`, { method: 'DELETE' }))}>remove</button>`
          : html`<button type="button" class="link" onClick=${() => run(() => api(`/tenants/${tenant.id}/members/${u.id}`, { method: 'PUT' }))}>add</button>`}</td>
        <td><button type="button" class="link" onClick=${() => patch(u, { disabled: !u.disabled })}>${u.disabled ? 'disabled: enable' : 'enabled: disable'}</button>
          <button type="button" class="link" onClick=${() => setResetting(u.id)}>reset password</button>
          <button type="button" class="link" aria-expanded=${identities === u.id} aria-label=${`sign-in identities of ${u.username}`}
            onClick=${() => setIdentities(identities === u.id ? null : u.id)}>sign-in identities</button>
          ${u.second_factor && html` · two-step on <button type="button" class="link" aria-label=${`Reset the two-step sign-in of ${u.username}`}
            onClick=${() => run(() => api(`/users/${u.id}/second-factor`, { method: 'DELETE' }))}>reset two-step</button>`}
          ${resetting === u.id && html`<form class="inline" onSubmit=${(e) => reset(u, e)}>
            <label>Temporary password <input name="password" type="password" autocomplete="new-password" required minlength="12" /></label>
            <button type="submit">Reset</button></form>`}</td>
      </tr>${identities === u.id && html`<tr><td colspan="4"><${Identities} user=${u} /></td></tr>`}`)}</tbody></table></div>
    <form class="inline" onSubmit=${create}>
      <label>Username <input name="username" required /></label>
      <label>Display name <input name="display_name" /></label>
      <label>Role <select name="role">${ROLES.map((r) => html`<option value=${r}>${r.replace('_', ' ')}</option>`)}</select></label>
      <label>First password <input name="password" type="password" autocomplete="new-password" required minlength="12" /></label>
      <button type="submit">Create account</button>
    </form>
  </section>`;
}

/** Whether admins must use two-step sign-in; the server refuses to require it of an admin who has none. */
function SignInPolicy() {
  const [stored, reload, error, setError] = useLoad('/sign-in-policy');
  const [saved, setSaved] = useState(false);
  if (!stored) return null;
  function save(event) {
    event.preventDefault();
    const required = new FormData(event.currentTarget).get('required') === 'on';
    api('/sign-in-policy', { method: 'PUT', body: { require_second_factor_for_admins: required, version: stored.version } })
      .then(() => { setSaved(true); setError(null); reload(); }).catch((e) => { setSaved(false); setError(e.message); });
  }
  return html`<section class="card" aria-labelledby="sign-in-policy-title">
    <h2 id="sign-in-policy-title">Sign-in policy</h2>
    <form class="stack" onSubmit=${save}>
      <label class="check"><input type="checkbox" name="required" checked=${stored.require_second_factor_for_admins} />
        Admins must use two-step sign-in</label>
      <button type="submit">Save the sign-in policy</button>
    </form>
    ${saved && html`<p role="status">Sign-in policy saved.</p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}

function Tokens({ tenant }) {
  const [tokens, reload, error, setError] = useLoad('/tokens?limit=500');
  const [secret, setSecret] = useState(null);
  function issue(event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    api('/tokens', { method: 'POST', body: { name: f.get('name'), role: f.get('role'), tenant_ids: [tenant.id] } })
      .then((t) => { setSecret(t.secret); reload(); })
      .catch((e) => setError(e.message));
  }
  return html`<section class="card" aria-labelledby="tokens-title">
    <h2 id="tokens-title">Service tokens</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${secret && html`<p role="status">Copy the secret now; it is not shown again: <code class="secret">${secret}</code></p>`}
    <ul>${(tokens?.items || []).map((t) => html`<li>${t.name} · ${t.role} · ${t.state}
      ${t.state === 'active' && html` <button type="button" class="link" onClick=${() => api(`/tokens/${t.id}`, { method: 'DELETE' }).then(reload).catch((e) => setError(e.message))}>revoke</button>`}</li>`)}</ul>
    <form class="inline" onSubmit=${issue}>
      <label>Name <input name="name" required /></label>
      <label>Role <select name="role">${ROLES.filter((r) => r !== 'admin').map((r) => html`<option value=${r}>${r.replace('_', ' ')}</option>`)}</select></label>
      <button type="submit">Issue a token for ${tenant.name}</button>
    </form>
  </section>`;
}

function Channels({ tenant }) {
  const [page, reload, error, setError] = useLoad(`/tenants/${tenant.id}/alert-channels?limit=100`);
  const [kind, setKind] = useState('webhook');
  const [sent, setSent] = useState(null);
  function add(event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const settings = {
      webhook: () => ({ webhook: { url: f.get('url'), secret: f.get('secret') } }),
      teams: () => ({ teams: { url: f.get('url') } }),
      email: () => ({ email: { host: f.get('host'), port: Number(f.get('port')), username: f.get('username') || null,
        password: f.get('password') || null, from: f.get('from'), to: f.get('to').split(/[\s,]+/).filter(Boolean) } }),
    }[kind]();
    api(`/tenants/${tenant.id}/alert-channels`, { method: 'POST', body: { name: f.get('name'), kind, ...settings } })
      .then(reload).catch((e) => setError(e.message));
  }
  const test = (c) => api(`/tenants/${tenant.id}/alert-channels/${c.id}/test`, { method: 'POST', body: {} })
    .then(() => setSent(c.name)).catch((e) => setError(e.message));
  return html`<section class="card" aria-labelledby="channels-title">
    <h2 id="channels-title">Alert channels</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${sent && html`<p role="status">A test message to ${sent} is on its way.</p>`}
    <ul>${(page?.items || []).map((c) => html`<li>${c.name} · ${c.kind} · ${c.enabled ? 'enabled' : 'disabled'}
      <button type="button" class="link" onClick=${() => test(c)}>send a test</button></li>`)}</ul>
    <form class="stack" onSubmit=${add}>
      <label>Kind <select value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
        <option value="webhook">Webhook (signed JSON)</option><option value="teams">Microsoft Teams (workflow URL)</option><option value="email">E-mail (SMTP)</option></select></label>
      <label>Name <input name="name" required /></label>
      ${kind !== 'email' && html`<label>${kind === 'teams' ? 'Workflow URL' : 'Webhook URL'} <input name="url" type="url" required /></label>`}
      ${kind === 'webhook' && html`<label>Signing secret <input name="secret" type="password" required minlength="16" autocomplete="off" /></label>`}
      ${kind === 'email' && html`
        <label>SMTP host <input name="host" required /></label>
        <label>Port <input name="port" type="number" value="587" required /></label>
        <label>SMTP username <input name="username" autocomplete="off" /></label>
        <label>SMTP password <input name="password" type="password" autocomplete="off" /></label>
        <label>From <input name="from" required placeholder="scoregrc <alerts@contoso.com>" /></label>
        <label>To <input name="to" required placeholder="soc@contoso.com" /></label>`}
      <button type="submit">Add the channel</button>
    </form>
  </section>`;
}

function Connector({ tenant }) {
  const [kind, setKind] = useState('graph');
  const [error, setError] = useState(null);
  const [saved, setSaved] = useState(null);
  function save(event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body = { azure_tenant_id: f.get('azure_tenant_id'), client_id: f.get('client_id'), client_secret: f.get('client_secret') || null };
    if (kind === 'defender') body.subscription_ids = f.get('subscription_ids').split(/[\s,]+/).filter(Boolean);
    api(`/tenants/${tenant.id}/connectors/${kind}`, { method: 'PUT', body }).then(() => setSaved(kind)).catch((e) => setError(e.message));
  }
  return html`<section class="card" aria-labelledby="connector-title">
    <h2 id="connector-title">Connectors</h2>
    <form class="stack" onSubmit=${save}>
      <label>Source <select value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
        <option value="graph">Microsoft Graph (Secure Score)</option><option value="defender">Defender for Cloud (Azure Resource Manager)</option></select></label>
      <label>Entra tenant <input name="azure_tenant_id" required placeholder="contoso.onmicrosoft.com" /></label>
      <label>Application (client) id <input name="client_id" required /></label>
      <label>Client secret <input name="client_secret" type="password" autocomplete="off" placeholder="write-only: leave empty to keep" /></label>
      ${kind === 'defender' && html`<label>Subscription ids <textarea name="subscription_ids" rows="2" required></textarea></label>`}
      <button type="submit">Save the connector</button>
    </form>
    ${saved && html`<p role="status">The ${saved} connector is saved; its secret is sealed and never shown again.</p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </section>`;
}

/** Tenants: create one, rename, archive (its data and trail stay) or restore. Archived tenants leave the switcher. */
function Tenants() {
  const [page, reload, error, setError] = useLoad('/tenants?limit=500');
  function create(event) {
    event.preventDefault();
    const form = event.currentTarget;
    api('/tenants', { method: 'POST', body: { name: new FormData(form).get('name') } })
      .then(() => { form.reset(); reload(); }).catch((e) => setError(e.message));
  }
  const archive = (t) => api(`/tenants/${t.id}`, { method: 'PATCH', body: { archived: !t.archived, version: t.version } })
    .then(reload).catch((e) => setError(e.message));
  return html`<section class="card" aria-labelledby="tenants-title">
    <h2 id="tenants-title">Tenants</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <ul>${(page?.items || []).map((t) => html`<li data-tenant=${t.name}>${t.name}${t.archived ? ' (archived)' : ''}
      <button type="button" class="link" onClick=${() => archive(t)}>${t.archived ? 'restore' : 'archive'}</button></li>`)}</ul>
    <form class="inline" onSubmit=${create}><label>New tenant <input name="name" required /></label><button type="submit">Create the tenant</button></form>
  </section>`;
}

/** The score drop that raises an alert, in percentage points. */
function Thresholds({ tenant }) {
  const [stored, reload, error, setError] = useLoad(`/tenants/${tenant.id}/alert-thresholds`);
  const [saved, setSaved] = useState(false);
  if (!stored) return null;
  function save(event) {
    event.preventDefault();
    const points = Number(new FormData(event.currentTarget).get('points'));
    api(`/tenants/${tenant.id}/alert-thresholds`, { method: 'PUT', body: { score_drop_points: points, version: stored.version } })
      .then(() => { setSaved(true); reload(); }).catch((e) => setError(e.message));
  }
  return html`<form class="inline" onSubmit=${save}>
    <label>Alert when the score drops by more than (percentage points)
      <input name="points" type="number" step="0.1" min="0" value=${stored.score_drop_points} required /></label>
    <button type="submit">Save the threshold</button>
    ${saved && html`<span role="status">Saved.</span>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

/** The register policy: the review period, the grace before an unrenewed approval expires, and the points at
 * stake an IT manager may approve (with residual risk low). */
function Policy({ tenant }) {
  const [stored, reload, error, setError] = useLoad(`/tenants/${tenant.id}/register-policy`);
  const [saved, setSaved] = useState(false);
  if (!stored) return null;
  function save(event) {
    event.preventDefault();
    const f = new FormData(event.currentTarget);
    const body = {
      review_period_months: Number(f.get('review_period_months')),
      grace_days: Number(f.get('grace_days')),
      low_impact_max_points: Number(f.get('low_impact_max_points')),
      version: stored.version,
    };
    api(`/tenants/${tenant.id}/register-policy`, { method: 'PUT', body }).then(() => { setSaved(true); reload(); }).catch((e) => setError(e.message));
  }
  return html`<form class="inline" onSubmit=${save} aria-label="Register policy">
    <label>Review period (months) <input name="review_period_months" type="number" min="1" value=${stored.review_period_months} required /></label>
    <label>Grace (days) <input name="grace_days" type="number" min="0" value=${stored.grace_days} required /></label>
    <label>IT manager may approve up to (points) <input name="low_impact_max_points" type="number" step="0.1" min="0" value=${stored.low_impact_max_points} required /></label>
    <button type="submit">Save the register policy</button>
    ${saved && html`<span role="status">Policy saved.</span>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

const LEVELS = ['high', 'medium', 'low'];

/** The rule table, edited in place: top to bottom, the first match wins; the server refuses a table that leaves a
 * rated combination unplaced, and says which. */
function Rules({ tenant }) {
  const [stored, reload, error, setError] = useLoad(`/tenants/${tenant.id}/priority-rules`);
  const [rules, setRules] = useState(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => { if (stored) setRules(stored.rules.map((r) => ({ ...r, risk: r.risk || [], effort: r.effort || [] }))); }, [stored]);
  if (!rules) return null;
  const change = (i, patch) => { setSaved(false); setRules(rules.map((r, j) => (j === i ? { ...r, ...patch } : r))); };
  const toggle = (i, axis, level) => {
    const has = rules[i][axis].includes(level);
    change(i, { [axis]: has ? rules[i][axis].filter((l) => l !== level) : [...rules[i][axis], level] });
  };
  function save(event) {
    event.preventDefault();
    api(`/tenants/${tenant.id}/priority-rules`, { method: 'PUT', body: { rules, version: stored.version } })
      .then(() => { setSaved(true); setError(null); reload(); })
      .catch((e) => setError(e.message));
  }
  return html`<form class="rules" onSubmit=${save} aria-label="Priority rules">
    <table class="triage"><thead><tr><th scope="col">Rule</th><th scope="col">Bucket</th><th scope="col">Risk reduction</th>
      <th scope="col">Effort</th><th scope="col">Aligned</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
      <tbody>${rules.map((r, i) => html`<tr data-rule=${r.name}>
        <td><input aria-label=${`Name of rule ${i + 1}`} value=${r.name} onInput=${(e) => change(i, { name: e.currentTarget.value })} required /></td>
        <td><select aria-label=${`Bucket of ${r.name}`} value=${r.bucket} onChange=${(e) => change(i, { bucket: e.currentTarget.value })}>
          ${['P1', 'P2', 'P3', 'P4'].map((b) => html`<option>${b}</option>`)}</select></td>
        ${['risk', 'effort'].map((axis) => html`<td>${LEVELS.map((l) => html`<label class="check"><input type="checkbox"
          aria-label=${`${r.name}: ${axis} ${l}`} checked=${r[axis].includes(l)} onChange=${() => toggle(i, axis, l)} /> ${l}</label>`)}</td>`)}
        <td><select aria-label=${`Alignment of ${r.name}`} value=${r.aligned === true ? 'yes' : r.aligned === false ? 'no' : 'any'}
          onChange=${(e) => change(i, { aligned: { yes: true, no: false, any: null }[e.currentTarget.value] })}>
          <option value="any">any</option><option value="yes">aligned</option><option value="no">not aligned</option></select></td>
        <td><button type="button" class="link" aria-label=${`Remove ${r.name}`} onClick=${() => setRules(rules.filter((_, j) => j !== i))}>×</button></td>
      </tr>`)}</tbody></table>
    <div class="steps">
      <button type="button" onClick=${() => setRules([...rules, { name: `rule-${rules.length + 1}`, bucket: 'P4', risk: [], effort: [], aligned: null }])}>Add a rule</button>
      <button type="submit">Save the rules</button>
    </div>
    ${(stored.warnings || []).map((w) => html`<p class="warning">${w}</p>`)}
    ${saved && html`<p role="status">Saved: every item is placed by the new rules.</p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
  </form>`;
}

function Governance({ tenant }) {
  const [scope, reload, error, setError] = useLoad(`/tenants/${tenant.id}/audit-scope`);
  function save(event) {
    event.preventDefault();
    const frameworks = new FormData(event.currentTarget).getAll('framework');
    api(`/tenants/${tenant.id}/audit-scope`, { method: 'PUT', body: { frameworks, version: scope.version } })
      .then(reload).catch((e) => setError(e.message));
  }
  return html`<section class="card wide" aria-labelledby="governance-title">
    <h2 id="governance-title">Audit scope, alerting, register policy and priority rules</h2>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${scope && html`<form class="stack" onSubmit=${save}><fieldset><legend>Frameworks that count for alignment</legend>
      ${FRAMEWORKS.map(([key, name]) => html`<label class="check"><input type="checkbox" name="framework" value=${key} checked=${scope.frameworks.includes(key)} /> ${name}</label>`)}
      </fieldset><button type="submit">Save the audit scope</button></form>`}
    <${Thresholds} tenant=${tenant} />
    <${Policy} tenant=${tenant} />
    <div class="table-wrap"><${Rules} tenant=${tenant} /></div>
  </section>`;
}

export function Admin({ tenant, me }) {
  return html`
    <h1>Administration <span class="muted">${tenant.name}</span></h1>
    <section class="grid">
      ${me.role === 'admin' && html`<${Users} tenant=${tenant} />`}
      ${me.role === 'admin' && html`<${SignInPolicy} />`}
      ${me.role === 'admin' && html`<${SingleSignOn} />`}
      ${me.role === 'admin' && html`<${Tenants} />`}
      ${me.role === 'admin' && html`<${Tokens} tenant=${tenant} />`}
      ${me.role === 'admin' && html`<${Connector} tenant=${tenant} />`}
      ${me.role === 'admin' && html`<${Channels} tenant=${tenant} />`}
      <${Governance} tenant=${tenant} />
    </section>`;
}
