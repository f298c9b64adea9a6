// Calls Shroud's HTTP API from the signed-in tab. The key lives in sessionStorage only: never in a URL, in
// localStorage or in a cookie, so it is gone when the tab closes, and no other site can send it.

const sessionKey = "shroud.console.session";
const apiBase = new URL("../", document.baseURI);

/** The permission each route needs, for a 403 whose detail does not say (older servers, other proxies). */
const routePermissions = [
  [/\/keys(\/|$)/, "admin"],
  [/\/kek(\/|$)/, "admin"],
  [/\/audit(\/|$)/, "admin"],
  [/\/configurations(\/|$)/, "configure"],
  [/\/channels\/[^/]+\/messages$/, "send"],
  [/\/channels(\/|$)/, "configure"],
  [/\/decrypt$/, "decrypt"],
  [/\/events$/, "encrypt"],
  [/\/apps\/[^/]+$/, "configure"],
];

export function session() {
  const stored = sessionStorage.getItem(sessionKey);
  if (!stored) {
    return null;
  }

  try {
    const { appId, key } = JSON.parse(stored);
    return typeof appId === "string" && typeof key === "string" ? { appId, key } : null;
  } catch {
    return null;
  }
}

export function signIn(appId, key) {
  sessionStorage.setItem(sessionKey, JSON.stringify({ appId, key }));
}

export function signOut() {
  sessionStorage.removeItem(sessionKey);
}

/** An RFC 9457 problem answered by Shroud (or made up here when it did not answer one). */
export class Problem extends Error {
  constructor(status, code, detail) {
    super(detail);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }
}

/** The path of an app route, with its segments escaped. */
export function appPath(...segments) {
  const current = session();
  return ["apps", current?.appId ?? "", ...segments].map(encodeURIComponent).join("/");
}

/**
 * Sends one request to /api/{path} with the session's key; answers { body, etag, status } or throws a Problem.
 * A 401 ends the session: the key is revoked, unknown or belongs to another app.
 */
export async function call(method, path, { body, contentType = "application/json", ifMatch, query } = {}) {
  const current = session();
  if (!current) {
    throw new Problem(401, "unauthorized", "Sign in first.");
  }

  const url = new URL(path, apiBase);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") {
      url.searchParams.set(name, value);
    }
  }

  const headers = { Authorization: `Bearer ${current.key}`, Accept: "application/json, application/problem+json" };
  if (body !== undefined) {
    headers["Content-Type"] = contentType;
  }
  if (ifMatch) {
    headers["If-Match"] = ifMatch;
  }

  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      cache: "no-store",
      credentials: "omit",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new Problem(0, "network_error", "Shroud did not answer; check the connection and try again.");
  }

  const text = await response.text();
  let json = null;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }

  if (!response.ok) {
    throw toProblem(response.status, json, url.pathname);
  }

  return { status: response.status, body: json, etag: response.headers.get("ETag") };
}

function toProblem(status, json, pathname) {
  const code = typeof json?.code === "string" ? json.code : `http_${status}`;
  let detail = typeof json?.detail === "string" && json.detail.length > 0 ? json.detail : json?.title ?? `Shroud answered ${status}.`;
  if (status === 403 && !/permission/i.test(detail)) {
    const needed = routePermissions.find(([pattern]) => pattern.test(pathname))?.[1];
    if (needed) {
      detail = `${detail} This screen needs a key with the '${needed}' permission.`;
    }
  }
  if (status === 503 && code === "storage_unavailable") {
    detail = `${detail} (Shroud's storage is unavailable; try again in a few seconds.)`;
  }

  return new Problem(status, code, detail);
}
