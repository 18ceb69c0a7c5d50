// One way to call the API: JSON in and out, the session's access token added, one silent refresh on a 401,
// and every failure thrown as an ApiError carrying the API's error code and message.
import { accessToken, refreshAccessToken } from "../session";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait before retrying (a 429's or a 503's Retry-After), else null. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  headers?: Record<string, string>;
  /** false: no Authorization header, no refresh (sign-in forms). */
  auth?: boolean;
  signal?: AbortSignal;
  /** The same request, already sent (index.html's early refresh): its answer is read instead of sending it. */
  sent?: Promise<Response>;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
  const attempt = async (): Promise<Response> => {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const token = options.auth === false ? null : accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: options.signal,
    });
  };
  let response: Response;
  try {
    response = await (options.sent ?? attempt());
    if (response.status === 401 && options.auth !== false && accessToken() && (await refreshAccessToken())) {
      response = await attempt();
    }
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "network");
  }
  if (response.status === 204) return null as T;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!response.ok) throw errorFrom(response, parsed);
  return parsed as T;
}

function errorFrom(response: Response, body: unknown): ApiError {
  const retry = Number(response.headers.get("Retry-After"));
  const retryAfter = Number.isFinite(retry) && retry > 0 ? retry : null;
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  if (error?.code) return new ApiError(response.status, error.code, error.message ?? error.code, retryAfter);
  const gatewayMessage = (body as { message?: string } | null)?.message;
  return new ApiError(response.status, `http_${response.status}`, gatewayMessage ?? response.statusText, retryAfter);
}

export const api = {
  get: <T>(path: string, query?: Query, options: RequestOptions = {}) =>
    send<T>("GET", withQuery(path, query), undefined, options),
  post: <T>(path: string, body?: unknown, options: RequestOptions = {}) => send<T>("POST", path, body ?? {}, options),
  patch: <T>(path: string, body: unknown, options: RequestOptions = {}) => send<T>("PATCH", path, body, options),
  put: <T>(path: string, body: unknown, options: RequestOptions = {}) => send<T>("PUT", path, body, options),
  del: <T>(path: string, body?: unknown, options: RequestOptions = {}) => send<T>("DELETE", path, body, options),
};

/** A key for a write the client may retry (POST /api/tweets, /api/media): the server answers a replay once. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
