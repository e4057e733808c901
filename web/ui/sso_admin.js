// Single sign-on, for admins: the provider (issuer, client id, the write-only client secret), the Entra tenants let in,
// the redirect URI to register, the rules that turn a token's app roles or groups into a scoregrc role and tenants,
// the automation switches and the button's label; a check of the provider as saved. Refused fields are named next
// to the field. Also the identities linked to one account, with unlink and a form to link one by hand.

import { h } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

const html = htm.bind(h);
const ROLES = ['engineer', 'it_manager', 'ciso', 'auditor', 'admin'];
/** The fields the form shows, so a refusal of any other field is still shown, under the form. */
const FIELDS = ['enabled', 'issuer', 'client_id', 'client_secret', 'allowed_tenant_ids', 'rules', 'accept_access_tokens',
  'accept_v1_access_tokens', 'app_id_uri', 'button_label'];

/** Whether the refused `field` (`rules[0].role`, `allowed_tenant_ids[2]`) is `name` or lies under it. */
const under = (field, name) => field === name || field.startsWith(`${name}[`) || field.startsWith(`${name}.`);

/** The messages of the refusals at `name` or under it; a refused entry of a list (`allowed_tenant_ids[2]`) is
 * named by its value from `sent`, the list as sent. */
function messagesAt(errors, name, sent = []) {
  return errors.filter((e) => under(e.field, name)).map((e) => {
    const entry = e.field.slice(name.length).match(/^\[(\d+)\]$/);
    return entry && sent[entry[1]] !== undefined ? `${sent[entry[1]]}: ${e.message}` : e.message;
  });
}

/** The attributes that tie a field to its refusal (read out with it), and the refusal itself, for `name`. */
function refusal(errors, name, sent) {
  const messages = messagesAt(errors, name, sent);
  if (!messages.length) return [{}, null];
  const id = `sso-error-${name.replace(/[^a-z0-9]+/gi, '-')}`;
  return [{ 'aria-invalid': 'true', 'aria-describedby': id }, html`<span id=${id} class="error field-error">${messages.join(' ')}</span>`];
}

/** A labelled field and, under it, its refusal; `control(tie)` draws the control with the attributes that tie it to
 * the refusal, so it is read out with the field. */
function Field({ errors, name, label, control, children, sent }) {
  const [tie, message] = refusal(errors, name, sent);
  return html`<div class="field"><label>${label} ${control(tie)}</label>${children}${message}</div>`;
}

/** The Entra tenant ids of the text, one a line, as the service keeps them: trimmed, lower case, once each, in
 * the order typed (a refusal's index names the entry as sent). */
const tenantIds = (text) => [...new Set(text.split('\n').map((l) => l.trim().toLowerCase()).filter(Boolean))];

/** The stored settings and their version from the service's answer (the settings with their `version`). */
const versioned = ({ version, ...value }) => ({ value, version });

/** The form's state from the stored view: lists as text, no secret (blank keeps the stored one). */
function draftOf(view) {
  return {
    ...view,
    allowed_tenant_ids: view.allowed_tenant_ids.join('\n'),
    app_id_uri: view.app_id_uri || '',
    client_secret: '',
    rules: view.rules.map((r) => ({ ...r, tenant_ids: [...r.tenant_ids] })),
  };
}

/** The PUT body: the contract's fields only; the secret only when one was typed. */
function bodyOf(draft, version) {
  const body = {
    enabled: draft.enabled,
    issuer: draft.issuer.trim(),
    client_id: draft.client_id.trim(),
    allowed_tenant_ids: tenantIds(draft.allowed_tenant_ids),
    rules: draft.rules.map(({ claim, value, role, tenant_ids }) => ({ claim, value: value.trim(), role, tenant_ids })),
    accept_access_tokens: draft.accept_access_tokens,
    accept_v1_access_tokens: draft.accept_v1_access_tokens,
    app_id_uri: draft.app_id_uri.trim() || null,
    button_label: draft.button_label.trim(),
    version,
  };
  if (draft.client_secret) body.client_secret = draft.client_secret;
  return body;
}

/** One mapping rule as a table row: claim, value, role, tenants (several may be chosen), remove. */
function RuleRow({ rule, index, tenants, errors, change, remove }) {
  const n = index + 1;
  const [tie, message] = refusal(errors, `rules[${index}]`);
  const picked = (e) => [...e.currentTarget.selectedOptions].map((o) => o.value);
  return html`<tr data-rule=${index}>
    <td><select aria-label=${`Claim of rule ${n}`} value=${rule.claim} onChange=${(e) => change({ claim: e.currentTarget.value })}>
      <option value="role">app role</option><option value="group">group</option></select></td>
    <td><input aria-label=${`Value of rule ${n}`} value=${rule.value} required ...${tie}
      placeholder=${rule.claim === 'role' ? 'Scoregrc.Ciso' : 'group object id'} onInput=${(e) => change({ value: e.currentTarget.value })} />
      ${message}</td>
    <td><select aria-label=${`Role of rule ${n}`} value=${rule.role} onChange=${(e) => change({ role: e.currentTarget.value })}>
      ${ROLES.map((r) => html`<option value=${r}>${r.replace('_', ' ')}</option>`)}</select></td>
    <td><select multiple aria-label=${`Tenants of rule ${n}`} size=${Math.min(4, Math.max(2, tenants.length))}
      onChange=${(e) => change({ tenant_ids: picked(e) })}>
      ${tenants.map((t) => html`<option value=${t.id} selected=${rule.tenant_ids.includes(t.id)}>${t.name}</option>`)}</select></td>
    <td><button type="button" class="link" aria-label=${`Remove rule ${n}`} onClick=${remove}>×</button></td>
  </tr>`;
}

/** The rules table with its add button. */
function Rules({ rules, tenants, errors, setRules }) {
  const [, message] = refusal(errors.filter((e) => e.field === 'rules'), 'rules');
  const change = (i, patch) => setRules(rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return html`<fieldset><legend>Who gets which role</legend>
    <p class="muted">App roles count before groups: when an app role rule matches, group rules are not read. Several
      matches give the most powerful role and every tenant they name. Hold Ctrl (or ⌘) to choose several tenants.</p>
    ${message}
    <div class="table-wrap"><table class="triage"><thead><tr><th scope="col">Claim</th><th scope="col">Value</th>
      <th scope="col">scoregrc role</th><th scope="col">Tenants</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
      <tbody>${rules.map((r, i) => html`<${RuleRow} rule=${r} index=${i} tenants=${tenants} errors=${errors}
        change=${(patch) => change(i, patch)} remove=${() => setRules(rules.filter((_, j) => j !== i))} />`)}</tbody></table></div>
    <button type="button" onClick=${() => setRules([...rules, { claim: 'role', value: '', role: 'engineer', tenant_ids: [] }])}>Add a mapping rule</button>
  </fieldset>`;
}

/** The redirect URI to register at the provider: read-only, with a copy button. */
function RedirectUri({ uri }) {
  const [copied, setCopied] = useState(null);
  const input = useRef(null);
  const copy = () => navigator.clipboard.writeText(uri).then(() => setCopied('Copied.'))
    .catch(() => { input.current.select(); setCopied('Selected: press Ctrl+C to copy.'); });
  return html`<div class="steps copy">
    <label>Redirect URI to register at the provider <input ref=${input} readonly value=${uri} data-testid="sso-redirect-uri"
      onFocus=${(e) => e.currentTarget.select()} /></label>
    <button type="button" onClick=${copy}>Copy</button>
    ${copied && html`<span role="status">${copied}</span>`}
  </div>`;
}

/** What the provider check found: the endpoints and how many signing keys, or what failed. */
function CheckResult({ result }) {
  if (!result.reachable) {
    return html`<p class="error" role="alert" data-testid="sso-check">The provider could not be checked: ${result.problem}</p>`;
  }
  return html`<dl class="checked" data-testid="sso-check" role="status">
    <dt>Issuer</dt><dd>${result.issuer}</dd>
    <dt>Authorization endpoint</dt><dd>${result.authorization_endpoint}</dd>
    <dt>Token endpoint</dt><dd>${result.token_endpoint}</dd>
    <dt>Keys</dt><dd>${result.jwks_uri}: ${result.signing_keys} signing ${result.signing_keys === 1 ? 'key' : 'keys'}</dd>
  </dl>`;
}

/** The single sign-on settings: saved with their version; 422 refusals shown at their fields. */
export function SingleSignOn() {
  const [stored, setStored] = useState(null);
  const [tenants, setTenants] = useState([]);
  const [draft, setDraft] = useState(null);
  const [errors, setErrors] = useState([]);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const [checked, setChecked] = useState(null);
  const keep = (answer) => { const v = versioned(answer); setStored(v); setDraft(draftOf(v.value)); };
  useEffect(() => {
    api('/sso-settings').then(keep).catch((e) => setError(e.message));
    api('/tenants?limit=500').then((page) => setTenants(page.items.filter((t) => !t.archived))).catch((e) => setError(e.message));
  }, []);
  if (!draft) return html`<section class="card wide" aria-labelledby="sso-title" aria-busy=${error ? 'false' : 'true'}>
    <h2 id="sso-title">Single sign-on</h2>${error && html`<p class="error" role="alert">${error}</p>`}</section>`;
  const set = (patch) => { setNotice(null); setDraft({ ...draft, ...patch }); };
  const fail = (e) => { setNotice(null); setErrors(e.errors || []); setError(e.message); };
  function save(event) {
    event.preventDefault();
    api('/sso-settings', { method: 'PUT', body: bodyOf(draft, stored.version) })
      .then((answer) => { keep(answer); setErrors([]); setError(null); setNotice('Single sign-on saved.'); })
      .catch(fail);
  }
  const check = () => {
    setChecked(null);
    api('/sso-settings/check', { method: 'POST' }).then((r) => { setError(null); setChecked(r); }).catch(fail);
  };
  const other = errors.filter((e) => !FIELDS.some((f) => under(e.field, f)));
  const flag = (name) => (e) => set({ [name]: e.currentTarget.checked });
  const text = (name) => (e) => set({ [name]: e.currentTarget.value });
  return html`<section class="card wide" aria-labelledby="sso-title" aria-busy="false">
    <h2 id="sso-title">Single sign-on</h2>
    <p class="muted">People sign in with their Microsoft Entra ID account (OpenID Connect). The password form stays for
      break-glass accounts.</p>
    <form class="stack sso-settings" onSubmit=${save} aria-label="Single sign-on settings" novalidate>
      <label class="check"><input type="checkbox" checked=${draft.enabled} onChange=${flag('enabled')} /> Single sign-on is on</label>
      <${Field} errors=${errors} name="issuer" label="Issuer URL"
        control=${(tie) => html`<input name="issuer" type="url" value=${draft.issuer} onInput=${text('issuer')} ...${tie} />`} />
      <${Field} errors=${errors} name="client_id" label="Application (client) id"
        control=${(tie) => html`<input name="client_id" value=${draft.client_id} onInput=${text('client_id')} ...${tie} />`} />
      <${Field} errors=${errors} name="client_secret" label="Client secret"
        control=${(tie) => html`<input name="client_secret" type="password" autocomplete="off" value=${draft.client_secret}
          placeholder=${stored.value.client_secret_set ? 'leave empty to keep the stored one' : ''} onInput=${text('client_secret')} ...${tie} />`}>
        ${stored.value.client_secret_set && html`<span class="muted" data-testid="sso-secret-stored">A secret is stored; it is never shown.</span>`}
      </${Field}>
      <${Field} errors=${errors} name="allowed_tenant_ids" label="Entra tenant ids let in, one per line" sent=${tenantIds(draft.allowed_tenant_ids)}
        control=${(tie) => html`<textarea name="allowed_tenant_ids" rows="3" value=${draft.allowed_tenant_ids} onInput=${text('allowed_tenant_ids')} ...${tie}></textarea>`} />
      <${RedirectUri} uri=${stored.value.redirect_uri} />
      <${Rules} rules=${draft.rules} tenants=${tenants} errors=${errors} setRules=${(rules) => set({ rules })} />
      <fieldset><legend>Automation</legend>
        <label class="check"><input type="checkbox" checked=${draft.accept_access_tokens} onChange=${flag('accept_access_tokens')} />
          Accept Entra access tokens for this API</label>
        <label class="check"><input type="checkbox" checked=${draft.accept_v1_access_tokens} onChange=${flag('accept_v1_access_tokens')} />
          Also accept v1 access tokens</label>
        <${Field} errors=${errors} name="app_id_uri" label="Application id URI (for v1 tokens)"
          control=${(tie) => html`<input name="app_id_uri" value=${draft.app_id_uri} placeholder="api://scoregrc" onInput=${text('app_id_uri')} ...${tie} />`} />
      </fieldset>
      <${Field} errors=${errors} name="button_label" label="Button label"
        control=${(tie) => html`<input name="button_label" value=${draft.button_label} onInput=${text('button_label')} ...${tie} />`} />
      ${other.length > 0 && html`<ul class="cell-errors">${other.map((e) => html`<li><code>${e.field}</code> ${e.message}</li>`)}</ul>`}
      <div class="steps">
        <button type="submit">Save single sign-on</button>
        <button type="button" onClick=${check}>Check provider</button>
      </div>
    </form>
    ${notice && html`<p role="status">${notice}</p>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${checked && html`<${CheckResult} result=${checked} />`}
  </section>`;
}

/** The single sign-on identities linked to `user`, each with unlink, and a form to link one by hand. */
export function Identities({ user }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const path = `/users/${user.id}/identities`;
  const reload = () => api(path).then((answer) => { setItems(Array.isArray(answer) ? answer : answer.items); })
    .catch((e) => setError(e.message));
  useEffect(() => { reload(); }, [user.id]);
  const run = (call) => call().then(() => { setError(null); return reload(); }).catch((e) => setError(e.message));
  function link(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const f = new FormData(form);
    const body = { issuer: f.get('issuer'), tenant_id: f.get('tenant_id'), object_id: f.get('object_id') };
    run(async () => { await api(path, { method: 'POST', body }); form.reset(); });
  }
  return html`<div class="stack identities" data-identities=${user.username} aria-busy=${items ? 'false' : 'true'}>
    <h3>Single sign-on identities of ${user.username}</h3>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${items && !items.length && html`<p class="muted">None: this account signs in with its password only.</p>`}
    <ul>${(items || []).map((i) => html`<li data-object-id=${i.object_id} data-issuer=${i.issuer} data-tenant-id=${i.tenant_id}>
      <code>${i.object_id}</code> in Entra tenant <code>${i.tenant_id}</code> <span class="muted">(${i.issuer})</span>,
      ${i.last_sign_in_at ? ` last signed in ${new Date(i.last_sign_in_at).toLocaleString()}` : ' not signed in yet'}
      <button type="button" class="link" aria-label=${`Unlink ${i.object_id} from ${user.username}`}
        onClick=${() => run(() => api(`${path}/${i.id}`, { method: 'DELETE' }))}>unlink</button></li>`)}</ul>
    <form class="inline" onSubmit=${link} aria-label=${`Link an identity to ${user.username}`}>
      <label>Issuer <input name="issuer" required placeholder="https://login.microsoftonline.com/{tenantid}/v2.0" /></label>
      <label>Entra tenant id <input name="tenant_id" required /></label>
      <label>Object id <input name="object_id" required /></label>
      <button type="submit">Link the identity</button>
    </form>
  </div>`;
}
