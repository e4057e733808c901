// Single sign-on in Debian's headless Chromium (playwright-core), against the service and the OpenID Connect stand-in
// the Rust driver (api/tests/api/web_sso.rs) started and configured: a person clicks the provider's button, the
// stand-in's authorize endpoint sends the browser straight back, and the UI lands signed in with the role the rules
// give; the one-time code leaves the address bar and neither the session token nor an ID token ever rides in a URL;
// a replayed code is refused in words; the admin sees the settings in the form, is told which field a refusal is
// about, saves changes and checks the provider, and unlinks and links the person's identity; a person no rule maps
// lands on the "Sign-in refused" page with its reason. axe-core audits each page; screenshots go to SCREENSHOTS.
//
// The stand-in has one person signed in at a time, so the driver runs this twice: SCOREGRC_SSO_PART=person (the
// mapped person signs in; the replay; the admin's edits), then, with a person no rule maps signed in at the
// stand-in, SCOREGRC_SSO_PART=refused (the refusal; the accessibility audit, which needs the admin's label).
//
// node web/tests/sso.mjs  (env: SCOREGRC_URL; SCOREGRC_ADMIN = JSON {username, password}; SCOREGRC_SSO = JSON
// {username, role, tenant, label, issuer, client_id, object_id, tenant_id}: the mapped person and the settings the
// driver saved; SCOREGRC_SSO_PART; SCREENSHOTS.)

import { chromium } from 'playwright-core';
import { axeAuditor } from './axe.mjs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';


const base = process.env.SCOREGRC_URL;
const admin = JSON.parse(process.env.SCOREGRC_ADMIN || 'null');
const sso = JSON.parse(process.env.SCOREGRC_SSO || 'null');
const part = process.env.SCOREGRC_SSO_PART;
const shots = process.env.SCREENSHOTS || 'ui-screenshots';
if (!base || !admin || !sso || !['person', 'refused'].includes(part)) {
  throw new Error('set SCOREGRC_URL, SCOREGRC_ADMIN, SCOREGRC_SSO and SCOREGRC_SSO_PART (person or refused)');
}
mkdirSync(shots, { recursive: true });

/** How long a step may take to show its result: generous, since CI machines are shared and noisy; never a speed check. */
const WAIT = 30000;
const CODE_REFUSED = 'That sign-in link has expired or was already used; sign in again.';
const NEW_LABEL = 'Sign in with Contoso (Microsoft)';
const failures = [];
const check = (ok, what) => { if (!ok) failures.push(what); };
/** Every URL a page asked for or showed, and every session token handed out, to prove none met. */
const visited = [];
const sessions = [];
const { audited, audit } = axeAuditor(failures);

/** The answers a step provokes on purpose: a refused code, the refusal pages, a refused setting. */
const EXPECTED = [
  [401, /\/api\/v1\/auth\/sso\/exchange$/],
  [403, /\/api\/v1\/auth\/sso\/callback\?/],
  [400, /\/api\/v1\/auth\/sso\/callback\?/],
  [422, /\/api\/v1\/sso-settings$/],
];
const expected = (status, url) => EXPECTED.some(([s, pattern]) => s === status && pattern.test(url));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});

/** A fresh context and page that record what they visit and fail the run on console errors and failed requests. */
async function open(name, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('request', (r) => visited.push(r.url()));
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) visited.push(f.url()); });
  page.on('console', (m) => {
    const provoked = /status of (401|403|400|422)/.test(m.text());
    if (m.type() === 'error' && !provoked) problems.push(`console: ${m.text()} at ${m.location().url}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // A page the test leaves (reload, another address) cuts its reads short: that is no fault.
    const cut = r.method() === 'GET' && r.failure()?.errorText === 'net::ERR_ABORTED';
    if (!cut) problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !expected(r.status(), r.url())) problems.push(`${r.status()} for ${r.url()}`);
  });
  const close = async () => {
    await context.close();
    check(problems.length === 0, `${name}: ${problems.join('; ')}`);
  };
  return { page, close };
}

/** The session token the tab keeps, noted so no URL may hold it. */
async function session(page) {
  const token = await page.evaluate(() => sessionStorage.getItem('scoregrc.token'));
  if (token) sessions.push(token);
  return token;
}

async function passwordSignIn(page) {
  await page.goto(base);
  await page.getByLabel('Username').fill(admin.username);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.locator('.who').waitFor({ timeout: WAIT });
}

/** The person signs in through the provider and lands in their role, the code gone from the address. Answers the
 * address the service sent the browser back to (with the code), for the replay. */
async function personSignsIn() {
  const { page, close } = await open('single sign-on');
  await page.goto(base);
  const button = page.getByRole('button', { name: sso.label, exact: true });
  await button.waitFor({ timeout: WAIT });
  check(await page.getByLabel('Password').isVisible(), 'the password form is gone when single sign-on is on');
  await page.screenshot({ path: join(shots, 'sso-sign-in.png') });
  await button.click();
  const who = page.locator('.who');
  await who.waitFor({ timeout: WAIT });
  check(await who.getAttribute('data-role') === sso.role, `signed in as ${await who.getAttribute('data-role')}, expected ${sso.role}`);
  check((await who.textContent()).startsWith(sso.username), `the header names "${await who.textContent()}"`);
  const href = await page.evaluate(() => location.href);
  check(href === `${base}/#/`, `after the sign-in the address is ${href}`);
  const token = await session(page);
  check(Boolean(token), 'no session was kept');
  const landing = visited.find((u) => u.includes('#sso-code='));
  check(Boolean(landing), 'the browser never came back with a code');
  // The rule's tenant is the person's: its dashboard opens.
  await page.getByRole('heading', { level: 1, name: sso.tenant }).waitFor({ timeout: WAIT });
  await page.screenshot({ path: join(shots, 'sso-signed-in.png'), fullPage: true });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: sso.label, exact: true }).waitFor({ timeout: WAIT });
  await close();
  console.log(`single sign-on: ${sso.username} signed in through the provider as ${sso.role}; the code left the address (${href})`);
  return landing;
}

/** The code the person used, sent again: refused in words, and gone from the address too. */
async function replayRefused(landing) {
  const { page, close } = await open('a replayed code');
  await page.goto(landing);
  const alert = page.locator('#sso-error');
  const said = await alert.textContent({ timeout: WAIT });
  check(said === CODE_REFUSED, `a used code says "${said}"`);
  check(await page.evaluate(() => location.hash) === '#/', 'the refused code stayed in the address');
  const again = page.getByRole('button', { name: sso.label, exact: true });
  check(await again.waitFor({ timeout: WAIT }).then(() => true, () => false), 'no way to sign in again');
  await page.screenshot({ path: join(shots, 'sso-code-refused.png') });
  await close();
  console.log('a used code: refused with "That sign-in link has expired or was already used"');
}

/** The settings form: what the driver saved is shown, a refusal is named at its field, changes save and stay. */
async function adminEdits() {
  const { page, close } = await open('the admin', { permissions: ['clipboard-read', 'clipboard-write'] });
  await passwordSignIn(page);
  await session(page);
  await page.getByRole('link', { name: 'Admin' }).click();
  const form = page.getByRole('form', { name: 'Single sign-on settings' });
  await form.waitFor({ timeout: WAIT });
  const issuer = form.getByLabel('Issuer URL');
  check(await issuer.inputValue() === sso.issuer, `the issuer reads ${await issuer.inputValue()}`);
  check(await form.getByLabel('Application (client) id').inputValue() === sso.client_id, 'the client id is not shown');
  check(await form.getByLabel('Client secret').inputValue() === '', 'the secret field is not empty');
  check(await form.getByTestId('sso-secret-stored').isVisible(), 'the form does not say a secret is stored');
  check(await form.getByRole('checkbox', { name: 'Single sign-on is on' }).isChecked(), 'single sign-on shows as off');
  const redirect = await form.getByTestId('sso-redirect-uri').inputValue();
  check(redirect === `${base}/api/v1/auth/sso/callback`, `the redirect URI reads ${redirect}`);
  await form.getByRole('button', { name: 'Copy' }).click();
  await form.getByRole('status').filter({ hasText: /Copied|Selected/ }).waitFor({ timeout: WAIT });
  check(await form.getByLabel('Value of rule 1').inputValue() === 'Scoregrc.Ciso', 'rule 1 is not the saved one');
  check(await form.getByLabel('Role of rule 1').inputValue() === sso.role, 'rule 1 maps to another role');
  // The tenants load beside the settings: their names are waited for before the choice is read.
  const tenantsOf = async (n) => {
    const select = form.getByLabel(`Tenants of rule ${n}`);
    await select.locator('option', { hasText: sso.tenant }).waitFor({ state: 'attached', timeout: WAIT });
    return select.evaluate((s) => [...s.selectedOptions].map((o) => o.textContent));
  };
  check((await tenantsOf(1)).join() === sso.tenant, `rule 1 names tenants ${await tenantsOf(1)}`);

  // Plain http is refused for an issuer that is not on this machine: said at the field.
  await issuer.fill('http://login.example.com/organizations/v2.0');
  await form.getByRole('button', { name: 'Save single sign-on' }).click();
  await form.locator('#sso-error-issuer').waitFor({ timeout: WAIT });
  check(await issuer.getAttribute('aria-invalid') === 'true', 'the refused issuer is not marked invalid');
  const why = await form.locator('#sso-error-issuer').textContent();
  await page.screenshot({ path: join(shots, 'sso-admin-refused.png'), fullPage: true });

  await issuer.fill(sso.issuer);
  const another = '00000000-0000-0000-0000-00000000beef';
  await form.getByLabel('Entra tenant ids let in, one per line').fill(`${sso.tenant_id}\n${another.toUpperCase()}`);
  await form.getByRole('button', { name: 'Add a mapping rule' }).click();
  await form.getByLabel('Claim of rule 2').selectOption('group');
  await form.getByLabel('Value of rule 2').fill('5b1e2c3d-0000-4000-8000-00000000a0d1');
  await form.getByLabel('Role of rule 2').selectOption('auditor');
  await form.getByLabel('Tenants of rule 2').selectOption({ label: sso.tenant });
  await form.getByLabel('Button label').fill(NEW_LABEL);
  await form.getByRole('button', { name: 'Save single sign-on' }).click();
  await page.getByText('Single sign-on saved.').waitFor({ timeout: WAIT });
  check(await form.locator('[aria-invalid="true"]').count() === 0, 'a refusal stayed after the save');

  await page.reload();
  await form.waitFor({ timeout: WAIT });
  check(await form.getByLabel('Button label').inputValue() === NEW_LABEL, 'the new label did not stay');
  // Kept as the service keeps them: lower case, in the order typed.
  const kept = await form.getByLabel('Entra tenant ids let in, one per line').inputValue();
  check(kept === [sso.tenant_id, another].join('\n'), `the tenant ids read ${JSON.stringify(kept)}`);
  check(await form.getByLabel('Claim of rule 2').inputValue() === 'group', 'the group rule did not stay');
  check(await form.getByLabel('Role of rule 2').inputValue() === 'auditor', 'the group rule lost its role');
  check((await tenantsOf(2)).join() === sso.tenant, `rule 2 names tenants ${await tenantsOf(2)}`);
  check(await form.getByTestId('sso-secret-stored').isVisible(), 'saving without a secret lost the stored one');

  await form.getByRole('button', { name: 'Check provider' }).click();
  const found = await page.getByTestId('sso-check').textContent({ timeout: WAIT });
  const keys = Number(found.match(/(\d+) signing key/)?.[1]);
  check(keys > 0, `the provider check says "${found}"`);
  await page.screenshot({ path: join(shots, 'sso-admin.png'), fullPage: true });
  await identities(page);
  await close();
  console.log(`single sign-on settings: shown as saved, the issuer refused at its field ("${why}"), saved and kept; the provider check found ${keys} signing ${keys === 1 ? 'key' : 'keys'}`);
}

/** The person's identity under their account: unlinked, then linked again by hand. */
async function identities(page) {
  await page.getByRole('button', { name: `sign-in identities of ${sso.username}` }).click();
  const panel = page.locator(`[data-identities="${sso.username}"]`);
  const item = panel.locator(`li[data-object-id="${sso.object_id}"]`);
  await item.waitFor({ timeout: WAIT });
  const issuer = await item.getAttribute('data-issuer');
  check(await item.getAttribute('data-tenant-id') === sso.tenant_id, 'the identity names another Entra tenant');
  await item.getByRole('button', { name: /^Unlink/ }).click();
  await panel.getByText('None: this account signs in with its password only.').waitFor({ timeout: WAIT });
  await panel.getByLabel('Issuer').fill(issuer);
  await panel.getByLabel('Entra tenant id').fill(sso.tenant_id);
  await panel.getByLabel('Object id').fill(sso.object_id);
  await panel.getByRole('button', { name: 'Link the identity' }).click();
  await item.waitFor({ timeout: WAIT });
  console.log(`identities: ${sso.object_id} listed under ${sso.username}, unlinked and linked again`);
}

/** A person no rule maps: the provider lets them in, the service refuses them, and says why. */
async function refused() {
  const { page, close } = await open('a refused person');
  await page.goto(base);
  await page.getByRole('button', { name: NEW_LABEL, exact: true }).click({ timeout: WAIT });
  await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor({ timeout: WAIT });
  const reason = await page.locator('code[data-reason]').getAttribute('data-reason');
  check(reason === 'no_mapping', `refused for "${reason}"`);
  check((await page.title()).includes('Sign-in refused'), `the refusal page is titled "${await page.title()}"`);
  await page.screenshot({ path: join(shots, 'sso-refused.png') });
  await page.getByRole('link', { name: 'Back to sign-in' }).click();
  await page.getByRole('button', { name: NEW_LABEL, exact: true }).waitFor({ timeout: WAIT });
  await close();
  console.log(`a person no rule maps: "Sign-in refused" with reason ${reason}`);
}

/** axe-core over the sign-in page with the button and a refused code, the admin's settings (with a refusal shown),
 * and the service's refusal page; in a context of its own, with the page's CSP bypassed for axe's script. */
async function accessibility() {
  const { page, close } = await open('accessibility', { bypassCSP: true });
  await page.goto(`${base}/#sso-code=not-a-code`);
  await page.locator('#sso-error').waitFor({ timeout: WAIT });
  await page.getByRole('button', { name: NEW_LABEL, exact: true }).waitFor({ timeout: WAIT });
  await audit(page, 'sign-in with single sign-on');
  await passwordSignIn(page);
  await session(page);
  await page.getByRole('link', { name: 'Admin' }).click();
  const form = page.getByRole('form', { name: 'Single sign-on settings' });
  await form.getByLabel('Value of rule 1').waitFor({ timeout: WAIT });
  await page.getByRole('button', { name: `sign-in identities of ${sso.username}` }).click();
  await page.locator(`[data-identities="${sso.username}"] li`).first().waitFor({ timeout: WAIT });
  await form.getByLabel('Application id URI (for v1 tokens)').fill('');
  await form.getByLabel('Also accept v1 access tokens').check();
  await form.getByRole('button', { name: 'Save single sign-on' }).click();
  await form.locator('[aria-invalid="true"], .cell-errors').first().waitFor({ timeout: WAIT });
  await audit(page, 'single sign-on settings');
  await page.goto(`${base}/api/v1/auth/sso/callback?code=x&state=not-a-state`);
  await page.getByRole('heading', { name: 'Sign-in refused' }).waitFor({ timeout: WAIT });
  await audit(page, 'the refusal page');
  await close();
}

try {
  if (part === 'person') {
    const landing = await personSignsIn();
    if (landing) await replayRefused(landing);
    await adminEdits();
  } else {
    await refused();
    await accessibility();
  }
} finally {
  await browser.close();
}
const leaks = visited.filter((u) => u.includes('id_token') || sessions.some((t) => u.includes(t)));
check(sessions.length > 0 && leaks.length === 0, `${sessions.length} sessions; URLs holding a token: ${leaks.join(' ')}`);
if (failures.length) {
  console.error(`single sign-on checks failed:\n- ${failures.join('\n- ')}`);
  process.exit(1);
}
console.log(`no token in a URL: ${visited.length} URLs visited, none holds one of ${sessions.length} session tokens or an ID token`);
if (audited.views) {
  console.log(`accessibility: ${audited.views} single sign-on views audited by axe-core, ${audited.passes} rule passes, no serious or critical violation, ${audited.minor} minor or moderate`);
}
console.log(`single sign-on checks passed (${part}); screenshots in ${shots}`);
