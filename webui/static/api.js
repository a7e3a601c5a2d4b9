// The hub's JSON API as the dashboard calls it: the session cookie plus the page's CSRF token
// (DESIGN §5), and the contract's error shape turned into an ApiError with a readable message.

const CSRF_HEADER = "X-CSRF-Token";
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers[CSRF_HEADER] = csrfToken;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("The hub cannot be reached: you seem to be offline.", 0, "offline");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    let message = data?.error?.message ?? `The hub answered ${response.status}.`;
    const retryAfter = response.headers.get("Retry-After");
    if (response.status === 429 && retryAfter) message += ` Try again in ${retryAfter} s.`;
    throw new ApiError(message, response.status, data?.error?.code ?? "error");
  }
  return data;
}
