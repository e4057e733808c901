// The app shell: sign-in (with the code of two-step sign-in when the account asks for it, or through the organisation's
// single sign-on), the signed-in frame (who, tenant switcher, sign-out, navigation) and hash routing. A session that
// must enrol a second factor sees only that.

import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api, signIn, signOut, token } from './api.js';
import { Dashboard } from './dashboard.js';
import { Admin } from './admin.js';
import { Audit } from './audit.js';
import { Data } from './data.js';
import { Monitoring } from './monitoring.js';
import { Register } from './register.js';
import { Roadmap } from './roadmap.js';
import { Security } from './security.js';
import { Soa } from './soa.js';
import { completeSingleSignOn, SsoButton } from './sso.js';
import { Triage } from './triage.js';

const html = htm.bind(h);
const TENANT = 'scoregrc.tenant';
const VIEWS = [
  ['dashboard', 'Dashboard'],
  ['triage', 'Triage'],
  ['roadmap', 'Roadmap'],
  ['register', 'Register'],
  ['soa', 'SoA'],
  ['monitoring', 'Monitoring'],
  ['data', 'Imports and exports'],
  ['audit', 'Audit trail'],
  ['admin', 'Admin'],
  ['security', 'Security'],
];
/** Views only some roles have (the audit log: auditor, ciso, admin). */
const ROLES_OF = { audit: ['auditor', 'ciso', 'admin'], admin: ['ciso', 'admin'] };

/** The view named by the location hash (`#/triage`), the dashboard by default. */
function useRoute() {
  const read = () => {
    const name = location.hash.replace(/^#\//, '').split('?')[0];
    return VIEWS.some(([v]) => v === name) ? name : 'dashboard';
  };
  const [route, setRoute] = useState(read());
  useEffect(() => {
    const changed = () => setRoute(read());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

const SECOND_FACTOR_REQUIRED = 'urn:scoregrc:problem:second-factor-required';

/** The second step, once the server asked for it: a code from the app, or a recovery code instead. */
function SecondStep({ factor, setFactor }) {
  const other = factor === 'totp' ? 'recovery' : 'totp';
  return html`
    <p role="status">This account uses two-step sign-in.</p>
    ${factor === 'totp'
      ? html`<label>Code from your authenticator app <input name="totp_code" inputmode="numeric" autocomplete="one-time-code" required /></label>`
      : html`<label>Recovery code <input name="recovery_code" autocomplete="off" required /></label>`}
    <button type="button" class="link" onClick=${() => setFactor(other)}>
      ${other === 'recovery' ? 'Use a recovery code instead' : 'Use a code from the app instead'}</button>`;
}

/** The password form (always there: the break-glass way in) and, under it, the single sign-on button when it is on;
 * `notice` says why a single sign-on that came back did not sign in. */
function SignIn({ onSignedIn, notice }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [factor, setFactor] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const second = factor === 'totp' ? { totp_code: form.get('totp_code') }
        : factor === 'recovery' ? { recovery_code: form.get('recovery_code') } : {};
      await signIn(form.get('username'), form.get('password'), second);
      onSignedIn();
    } catch (e) {
      if (e.type === SECOND_FACTOR_REQUIRED) setFactor(factor || 'totp');
      else setError(e.message);
    } finally {
      setBusy(false);
    }
  }
  return html`
    <main class="narrow">
      <h1>scoregrc</h1>
      <p class="lead">Secure Score governance, risk and compliance.</p>
      ${notice && html`<p id="sso-error" class="error" role="alert">${notice}</p>`}
      <form class="card stack" onSubmit=${submit} aria-describedby=${error ? 'sign-in-error' : undefined}>
        <h2>Sign in</h2>
        <label>Username <input name="username" autocomplete="username" required /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        ${factor && html`<${SecondStep} factor=${factor} setFactor=${setFactor} />`}
        ${error && html`<p id="sign-in-error" class="error" role="alert">${error}</p>`}
        <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
      <${SsoButton} />
    </main>`;
}

/** A session that may only enrol a second factor (the sign-in policy for admins): the Security view alone. */
function Enrolment({ me, onSignOut, onChanged }) {
  return html`
    <header class="bar">
      <strong class="brand">scoregrc</strong>
      <span class="who" data-role=${me.role}>${me.name} · ${me.role.replace('_', ' ')}</span>
      <button class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main><${Security} me=${me} onChanged=${onChanged} /></main>`;
}

function Shell({ me, onSignOut, onChanged }) {
  const [tenants, setTenants] = useState(null);
  const [tenantId, setTenantId] = useState(sessionStorage.getItem(TENANT));
  const [error, setError] = useState(null);
  useEffect(() => {
    api('/tenants?limit=500')
      .then((page) => {
        const items = page.items.filter((t) => !t.archived);
        setTenants(items);
        if (!items.some((t) => t.id === tenantId) && items.length) setTenantId(items[0].id);
      })
      .catch((e) => setError(e.message));
  }, []);
  useEffect(() => {
    if (tenantId) sessionStorage.setItem(TENANT, tenantId);
  }, [tenantId]);
  const tenant = tenants?.find((t) => t.id === tenantId);
  const asked = useRoute();
  // A view the role does not have falls back to the dashboard (the server refuses its writes anyway).
  const route = ROLES_OF[asked] && !ROLES_OF[asked].includes(me.role) ? 'dashboard' : asked;
  return html`
    <header class="bar">
      <strong class="brand">scoregrc</strong>
      <nav aria-label="Main">${VIEWS.filter(([v]) => !ROLES_OF[v] || ROLES_OF[v].includes(me.role)).map(([v, name]) => html`<a href=${`#/${v}`} aria-current=${route === v ? 'page' : undefined}>${name}</a>`)}</nav>
      ${tenants && tenants.length > 1 &&
      html`<label class="switcher">Tenant
        <select value=${tenantId} onChange=${(e) => setTenantId(e.currentTarget.value)}>
          ${tenants.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
        </select>
      </label>`}
      <span class="who" data-role=${me.role}>${me.name} · ${me.role.replace('_', ' ')}</span>
      <button class="link" onClick=${onSignOut}>Sign out</button>
    </header>
    <main>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${tenants && !tenants.length && html`<p>You are not a member of any tenant yet: ask an admin to add you.</p>`}
      ${tenant && route === 'dashboard' && html`<${Dashboard} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'triage' && html`<${Triage} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'roadmap' && html`<${Roadmap} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'soa' && html`<${Soa} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'monitoring' && html`<${Monitoring} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'data' && html`<${Data} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'audit' && html`<${Audit} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'admin' && html`<${Admin} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${tenant && route === 'register' && html`<${Register} tenant=${tenant} me=${me} key=${tenant.id} />`}
      ${route === 'security' && html`<${Security} me=${me} onChanged=${onChanged} />`}
    </main>`;
}

function App() {
  const [me, setMe] = useState(null);
  const [checked, setChecked] = useState(false);
  const [ssoNotice, setSsoNotice] = useState(null);
  async function load() {
    if (!token()) {
      setMe(null);
      setChecked(true);
      return;
    }
    try {
      setMe(await api('/me'));
    } catch {
      signOut();
      setMe(null);
    }
    setChecked(true);
  }
  useEffect(() => {
    // A single sign-on comes back as a new page load with its code in the location; a code put in the location of
    // a page already open (by hand) is taken the same way.
    const sso = () => completeSingleSignOn().then((notice) => { setSsoNotice(notice); load(); });
    const coded = () => { if (location.hash.startsWith('#sso-code=')) sso(); };
    sso();
    const out = () => setMe(null);
    window.addEventListener('scoregrc:signed-out', out);
    window.addEventListener('hashchange', coded);
    return () => {
      window.removeEventListener('scoregrc:signed-out', out);
      window.removeEventListener('hashchange', coded);
    };
  }, []);
  if (!checked) return null;
  if (!me) return html`<${SignIn} onSignedIn=${load} notice=${ssoNotice} />`;
  const out = () => { signOut(); sessionStorage.removeItem(TENANT); setMe(null); };
  if (me.must_enrol_second_factor) return html`<${Enrolment} me=${me} onSignOut=${out} onChanged=${load} />`;
  return html`<${Shell} me=${me} onSignOut=${out} onChanged=${load} />`;
}

render(html`<${App} />`, document.getElementById('app'));
