// Single sign-on on the sign-in page: the provider's button when the service has it turned on (it navigates the
// browser to the service's start URL, which sends it on to the provider: a page, not a fetch), and the one-time code
// the service leaves in the location on the way back (`#sso-code=…`), taken out of the address and traded for a
// session.

import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';
import { api, signInWithCode } from './api.js';

const html = htm.bind(h);
const PREFIX = '#sso-code=';
/** What a person reads when the code is refused: a code is good once, for a minute. */
export const CODE_REFUSED = 'That sign-in link has expired or was already used; sign in again.';

/**
 * Completes a single sign-on when the location holds its code. The code leaves the address bar and the history
 * entry (`/#/` takes its place) before it is sent, then it is traded for a session. Answers null when there was no
 * code or the sign-in worked, else the message for the sign-in page.
 */
export async function completeSingleSignOn() {
  if (!location.hash.startsWith(PREFIX)) return null;
  const code = decodeURIComponent(location.hash.slice(PREFIX.length));
  history.replaceState(null, '', '/#/');
  try {
    await signInWithCode(code);
    return null;
  } catch (e) {
    return e.status === 401 ? CODE_REFUSED : e.message;
  }
}

/** The provider's button under the password form, labelled as the admin chose; nothing while single sign-on is off. */
export function SsoButton() {
  const [sso, setSso] = useState(null);
  useEffect(() => { api('/auth/sso').then(setSso).catch(() => setSso(null)); }, []);
  if (!sso?.enabled) return null;
  return html`<section class="card stack sso" aria-label="Single sign-on">
    <p class="muted">Or with your organisation's account:</p>
    <button type="button" onClick=${() => location.assign(sso.start_url)}>${sso.label}</button>
  </section>`;
}
