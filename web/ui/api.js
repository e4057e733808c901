// The API client: the session token in sessionStorage (gone when the tab closes), JSON in and out, and
// problem+json errors turned into an Error whose message is the problem's detail.

const TOKEN = 'scoregrc.token';

export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
}

/** An API failure: the problem's status, type, detail and field errors. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || `The server answered ${status}.`);
    this.status = status;
    this.type = problem?.type;
    this.errors = problem?.errors || [];
  }
}

/** Calls `path` under /api/v1 and answers the JSON body (or null for 204). */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401 && t) {
    signOut();
    window.dispatchEvent(new Event('scoregrc:signed-out'));
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Signs in (with `second`: `{ totp_code }` or `{ recovery_code }` for two-step sign-in) and keeps the session token. */
export async function signIn(username, password, second = {}) {
  const session = await api('/auth/login', { method: 'POST', body: { username, password, ...second } });
  sessionStorage.setItem(TOKEN, session.token);
  return session;
}

/**
 * Trades the one-time code a single sign-on left in the location (`#sso-code=…`) for a session, kept as `signIn`
 * keeps it. It replaces whatever session the tab had: that one is dropped first, so the exchange is sent without it.
 */
export async function signInWithCode(code) {
  signOut();
  const session = await api('/auth/sso/exchange', { method: 'POST', body: { code } });
  sessionStorage.setItem(TOKEN, session.token);
  return session;
}

/**
 * Starts a browser download of `path` (plus `query`, e.g. `from=…&to=…`) without putting the session token in a
 * URL: a single-use token valid for 60 seconds is asked for first.
 */
export async function download(path, query = '') {
  const { url } = await api('/download-tokens', { method: 'POST', body: { path: `/api/v1${path}` } });
  const link = document.createElement('a');
  link.href = query ? `${url}&${query}` : url;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
}

/**
 * Uploads `file` as the `file` field of a multipart form to `path` (with the text `fields` before it), reporting
 * progress (0–1) as it goes (fetch
 * cannot report upload progress; XMLHttpRequest can). Answers the JSON body; failures throw an `ApiError`.
 */
export function upload(path, file, onProgress = () => {}, fields = {}) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', `/api/v1${path}`);
    request.setRequestHeader('authorization', `Bearer ${token()}`);
    request.setRequestHeader('accept', 'application/json');
    request.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    request.onload = () => {
      const data = request.responseText ? JSON.parse(request.responseText) : null;
      if (request.status >= 200 && request.status < 300) resolve(data);
      else reject(new ApiError(request.status, data));
    };
    request.onerror = () => reject(new ApiError(0, { detail: 'The upload could not reach the server.' }));
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) if (value) form.append(name, value);
    form.append('file', file, file.name);
    request.send(form);
  });
}
