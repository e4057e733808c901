// Two-step sign-in for the signed-in account: turn it on (the secret and its otpauth URI as text, and the QR code the
// server draws as SVG), see the recovery codes once, make new ones, or turn it off with the password and a code.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api } from './api.js';

const html = htm.bind(h);

/** The recovery codes, shown once; `onStored` when the user says they are kept somewhere safe. */
function RecoveryCodes({ codes, onStored }) {
  return html`<div class="stack" role="status" aria-labelledby="recovery-title">
    <h3 id="recovery-title">Your recovery codes</h3>
    <p>Each signs you in once without the app. Store them now, somewhere safe: they are not shown again.</p>
    <ul class="recovery-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
    <button type="button" onClick=${onStored}>I have stored my recovery codes</button>
  </div>`;
}

/** The secret to add to an authenticator app, and the form for its first code. */
function Enrol({ enrolment, onConfirm }) {
  return html`<form class="stack" onSubmit=${onConfirm} aria-label="Confirm two-step sign-in">
    <img class="qr" src=${`data:image/svg+xml;base64,${btoa(enrolment.qr_svg)}`} width="200" height="200"
      alt="QR code for the authenticator app: it holds the setup link below" />
    <p>Scan the code with an authenticator app, or type the secret into it:</p>
    <p>Secret <code class="secret" data-testid="totp-secret">${enrolment.secret}</code></p>
    <p>Setup link <code class="secret" data-testid="otpauth-uri">${enrolment.otpauth_uri}</code></p>
    <label>Code from the app <input name="totp_code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" required /></label>
    <button type="submit">Confirm and turn on</button>
  </form>`;
}

export function Security({ me, onChanged }) {
  const [status, setStatus] = useState(null);
  const [enrolment, setEnrolment] = useState(null);
  const [codes, setCodes] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(null);
  const load = () => api('/me/second-factor').then(setStatus).catch((e) => setError(e.message));
  useEffect(() => { load(); }, []);
  const fail = (e) => setError(e.message);
  const field = (event, name) => new FormData(event.currentTarget).get(name);
  function start() {
    setError(null);
    api('/me/second-factor/enrolment', { method: 'POST' }).then(setEnrolment).catch(fail);
  }
  function confirm(event) {
    event.preventDefault();
    api('/me/second-factor/enrolment/confirm', { method: 'POST', body: { totp_code: field(event, 'totp_code') } })
      .then((answer) => { setEnrolment(null); setError(null); setCodes(answer.recovery_codes); load(); })
      .catch(fail);
  }
  function renew(event) {
    event.preventDefault();
    api('/me/second-factor/recovery-codes', { method: 'POST', body: { totp_code: field(event, 'totp_code') } })
      .then((answer) => { setError(null); setCodes(answer.recovery_codes); load(); })
      .catch(fail);
  }
  function disable(event) {
    event.preventDefault();
    const body = { password: field(event, 'password'), totp_code: field(event, 'totp_code') };
    api('/me/second-factor/disable', { method: 'POST', body })
      .then(() => { setError(null); setNotice('Two-step sign-in is off: you sign in with your password alone.'); load(); onChanged(); })
      .catch(fail);
  }
  const stored = () => { setCodes(null); onChanged(); };
  return html`
    <h1>Security <span class="muted">${me.name}</span></h1>
    <section class="card" aria-labelledby="two-step-title" aria-busy=${status ? 'false' : 'true'}>
      <h2 id="two-step-title">Two-step sign-in</h2>
      ${me.must_enrol_second_factor && html`<p class="warning">Admins must use two-step sign-in: turn it on to continue.</p>`}
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${notice && html`<p role="status">${notice}</p>`}
      ${codes && html`<${RecoveryCodes} codes=${codes} onStored=${stored} />`}
      ${status && !codes && !status.enabled && html`
        <p>Sign-in asks for your password only. With two-step sign-in it also asks for a code from an authenticator app
          on your phone (any app for time-based codes, RFC 6238).</p>
        ${enrolment ? html`<${Enrol} enrolment=${enrolment} onConfirm=${confirm} />`
          : html`<button type="button" onClick=${start}>Turn on two-step sign-in</button>`}`}
      ${status && !codes && status.enabled && html`
        <p data-testid="two-step-on">On since ${new Date(status.enabled_at).toLocaleDateString()}; ${status.recovery_codes_left} recovery codes left.</p>
        <form class="inline" onSubmit=${renew} aria-label="New recovery codes">
          <label>Code from the app <input name="totp_code" inputmode="numeric" autocomplete="one-time-code" required /></label>
          <button type="submit">Make new recovery codes</button>
        </form>
        <form class="inline" onSubmit=${disable} aria-label="Turn off two-step sign-in">
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
          <label>Code from the app <input name="totp_code" inputmode="numeric" autocomplete="one-time-code" required /></label>
          <button type="submit">Turn off two-step sign-in</button>
        </form>`}
    </section>`;
}
