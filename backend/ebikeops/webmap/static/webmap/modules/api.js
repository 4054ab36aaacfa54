/* The public API over the session cookie: GET JSON, every page of a FeatureCollection, POST. */

export class HttpError extends Error {
  constructor(status, body) {
    super((body && (body.detail || body.title)) || `The server answered ${status}.`);
    this.status = status;
    this.body = body;
  }
}

function toUrl(path, params) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

async function readBody(response) {
  try {
    return await response.json();
  } catch (error) {
    if (error.name !== "SyntaxError") throw error; // an abort while reading stays an abort
    return null;
  }
}

export async function getJSON(path, params, signal) {
  const response = await fetch(toUrl(path, params), {
    credentials: "same-origin", headers: { Accept: "application/json" }, signal,
  });
  if (response.status === 401) {
    // The session ended: back to the login page rather than an empty map.
    const here = window.location.pathname + window.location.search;
    window.location.assign(`/accounts/login/?next=${encodeURIComponent(here)}`);
  }
  const body = await readBody(response);
  if (!response.ok) throw new HttpError(response.status, body);
  if (body === null) throw new HttpError(response.status, { detail: "The answer was not JSON." });
  return body;
}

/** Every feature of a paginated FeatureCollection, following `next` up to `limit` features. */
export async function getFeatures(path, params, signal, limit) {
  let body = await getJSON(path, params, signal);
  const features = [...(body.features || [])];
  const count = typeof body.count === "number" ? body.count : features.length;
  while (body.next && features.length < limit) {
    const next = new URL(body.next, window.location.origin);
    body = await getJSON(next.pathname + next.search, null, signal);
    features.push(...(body.features || []));
  }
  return { features: features.slice(0, limit), count, body };
}

function csrfToken() {
  const input = document.querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

export async function postJSON(path, payload) {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    body: JSON.stringify(payload),
  });
  const body = await readBody(response);
  if (!response.ok) throw new HttpError(response.status, body);
  return body || {};
}
