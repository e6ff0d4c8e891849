// The admin API as the page calls it: same origin, the token as a bearer token, JSON both ways.
// The token lives in sessionStorage only (gone when the tab closes; never in a cookie, never in
// the query string, never sent anywhere but this origin's /admin calls).

const TOKEN_KEY = 'meridian.admin.token';

export class ApiError extends Error {
  constructor(status, code, detail, body, etag) {
    super(detail || code || `HTTP ${status}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.body = body;
    this.etag = etag;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function clearToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/**
 * Takes a token from the URL fragment (/ui/#token=...), keeps it, and removes the fragment from
 * the address bar and the history, so that it is neither bookmarked nor shown on screen.
 */
export function adoptTokenFromFragment() {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ''));
  const value = fragment.get('token');
  if (value === null) {
    return false;
  }
  history.replaceState(null, '', location.pathname + location.search);
  if (value.trim() !== '') {
    setToken(value.trim());
  }
  return true;
}

/**
 * One call. Resolves to {body, etag}; rejects with ApiError (status 0 when the router did not
 * answer at all).
 */
export async function call(method, path, {body, ifMatch} = {}) {
  const headers = {Accept: 'application/json'};
  const current = token();
  if (current) {
    headers.Authorization = `Bearer ${current}`;
  }
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  if (ifMatch !== undefined && ifMatch !== null) {
    headers['If-Match'] = `"${ifMatch}"`;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    });
  } catch (e) {
    throw new ApiError(0, 'unreachable', `the admin API did not answer (${e.message})`);
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch (e) {
    json = null;
  }
  const etag = response.headers.get('ETag');
  if (!response.ok) {
    throw new ApiError(response.status, json && json.error, json && json.detail, json, etag);
  }
  return {body: json, etag};
}

export const get = (path) => call('GET', path).then((r) => r.body);
