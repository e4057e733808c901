// Two-step sign-in in the browser, for ui.mjs: one user turns it on and signs in again with codes computed here, by
// node's own HMAC-SHA-1 (RFC 6238), not by the service's code.

import { createHmac } from 'node:crypto';
import { join } from 'node:path';

/** The RFC 6238 code (HMAC-SHA-1, 6 digits, 30-second steps) of the base32 `secret` at `at` (a Date). */
function totp(secret, at) {
  const bits = [...secret.replace(/=+$/, '')]
    .map((c) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at.getTime() / 30000)));
  const mac = createHmac('sha1', key).update(counter).digest();
  const number = mac.readUInt32BE(mac[19] & 15) & 0x7fffffff;
  return String(number % 1000000).padStart(6, '0');
}

/** Two-step sign-in: `user` turns it on from the Security view (the secret, its otpauth URI and the QR code shown,
 * the recovery codes shown once), signs out, is asked for the code at sign-in and gets in with a computed one, then
 * with a recovery code. Codes are computed for the service's clock (`now` of GET /me), which the test holds still.
 * `check(ok, what)` records a failure; `wait` is how long a step may take. */
export async function twoStep({ browser, base, shots, check, wait: WAIT }, user) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().includes('status of 401')) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    const asked = r.status() === 401 && r.url().endsWith('/api/v1/auth/login');
    if (r.status() >= 400 && !asked) problems.push(`${r.status()} for ${r.url()}`);
  });
  const signIn = async () => {
    await page.getByLabel('Username').fill(user.username);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  };
  await page.goto(base);
  await signIn();
  await page.getByTestId('score-percent').waitFor({ timeout: WAIT });
  const now = new Date(await page.evaluate(async () => {
    const headers = { authorization: `Bearer ${sessionStorage.getItem('scoregrc.token')}` };
    return (await (await fetch('/api/v1/me', { headers })).json()).now;
  }));
  await page.getByRole('link', { name: 'Security' }).click();
  await page.getByRole('button', { name: 'Turn on two-step sign-in' }).click();
  const secret = (await page.getByTestId('totp-secret').textContent({ timeout: WAIT })).trim();
  const uri = await page.getByTestId('otpauth-uri').textContent();
  check(/^[A-Z2-7]{32}$/.test(secret), `the secret reads "${secret}"`);
  check(uri.startsWith(`otpauth://totp/scoregrc:${user.username}?`) && uri.includes(`secret=${secret}`), `the setup link reads "${uri}"`);
  const qr = page.getByRole('img', { name: /QR code/ });
  check(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code is not drawn');
  await page.screenshot({ path: join(shots, 'two-step-enrol.png'), fullPage: true });
  await page.getByLabel('Code from the app').fill(totp(secret, now));
  await page.getByRole('button', { name: 'Confirm and turn on' }).click();
  await page.locator('ul.recovery-codes code').first().waitFor({ timeout: WAIT });
  const codes = await page.locator('ul.recovery-codes code').allTextContents();
  check(codes.length === 10 && codes.every((c) => /^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/.test(c)), `recovery codes: ${codes}`);
  await page.screenshot({ path: join(shots, 'two-step-recovery-codes.png'), fullPage: true });
  await page.getByRole('button', { name: 'I have stored my recovery codes' }).click();
  await page.getByTestId('two-step-on').waitFor({ timeout: WAIT });
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn();
  const asked = page.getByLabel('Code from your authenticator app');
  const requested = await asked.waitFor({ timeout: WAIT }).then(() => true, () => false);
  check(requested, 'sign-in did not ask for the code');
  await page.screenshot({ path: join(shots, 'sign-in-code.png') });
  // The step after the one the enrolment used: within the one step of drift the service allows.
  await asked.fill(totp(secret, new Date(now.getTime() + 30000)));
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Signed in again where the session ended: on the Security view, which says two-step sign-in is on.
  await page.getByTestId('two-step-on').waitFor({ timeout: WAIT });
  check(await page.locator('.who').getAttribute('data-role') === user.role, 'signed in with the code, as the wrong role');
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn();
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click({ timeout: WAIT });
  await page.getByLabel('Recovery code').fill(codes[0]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const left = await page.getByTestId('two-step-on').textContent({ timeout: WAIT });
  check(left.includes('9 recovery codes left'), `after a recovery code: "${left}"`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await context.close();
  check(problems.length === 0, `two-step sign-in: ${problems.join('; ')}`);
  console.log('two-step sign-in: enrolled, asked for the code at sign-in, signed in with a computed code and a recovery code');
}
