// Who is signed in, and their tokens, kept as a browser app should:
// - the access token (15 minutes) lives in this module's memory only: never in localStorage, where any
//   script that ever runs on the page could read it later;
// - the refresh token never reaches JavaScript at all: the app asks for the cookie transport
//   (X-Chirp-Token-Transport: cookie), so the API sets it as an HttpOnly, SameSite=Strict cookie scoped to
//   /api/auth and leaves it out of the JSON. Other sites' scripts cannot read it (HttpOnly, same-origin), and
//   cannot make the browser send it (SameSite=Strict; the refresh route only takes JSON, which a cross-site
//   form cannot send without a CORS preflight the API does not grant).
// A reload restores the session by exchanging the cookie for a new access token (restoreSession). Script
// cannot see whether the cookie is there, so a flag in localStorage ("a session may exist", no secret in it)
// spares a first visit a refresh request that can only fail.
import { signal } from "@preact/signals";
import type { TokenResponse, User } from "./api/types";
import { ApiError, api } from "./api/client";

export const TOKEN_TRANSPORT = { "X-Chirp-Token-Transport": "cookie" };

/** The signed-in user; null when signed out; undefined while the session is being restored. */
export const currentUser = signal<User | null | undefined>(undefined);

let token: string | null = null;
let refreshing: Promise<boolean> | null = null;

export function accessToken(): string | null {
  return token;
}

const SESSION_HINT = "chirp.session"; // index.html reads it too, to send a reload's refresh early

function hint(present: boolean): void {
  try {
    if (present) localStorage.setItem(SESSION_HINT, "1");
    else localStorage.removeItem(SESSION_HINT);
  } catch {
    // storage refused (private mode, quota): the refresh is simply always tried
  }
}

function mayHaveSession(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT) !== null;
  } catch {
    return true;
  }
}

/** index.html's refresh request, sent before this module loaded; once, by the first refresh. */
function takeEarlyRefresh(): Promise<Response> | undefined {
  const holder = window as { chirpEarlyRefresh?: Promise<Response> };
  const early = holder.chirpEarlyRefresh;
  delete holder.chirpEarlyRefresh;
  return early;
}

function keep(grant: TokenResponse): void {
  token = grant.access_token;
  hint(true);
}

/** Exchanges the refresh cookie for a new access token; false when there is no session left. */
export function refreshAccessToken(): Promise<boolean> {
  refreshing ??= api
    .post<TokenResponse>("/api/auth/refresh", {}, { auth: false, headers: TOKEN_TRANSPORT, sent: takeEarlyRefresh() })
    .then((grant) => {
      keep(grant);
      return true;
    })
    .catch((error: unknown) => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 422)) {
        signedOut(); // no cookie (422) or a refresh token the server refused (401)
      }
      return false;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

async function loadMe(): Promise<void> {
  const me = await api.get<{ data: User }>("/api/users/me");
  currentUser.value = me.data;
}

let tokenKnown: (restored: boolean) => void = () => undefined;
/** Settles once a reload's session has its access token (true) or is known to have none (false): a page can
 * start reading beside /users/me instead of after it. */
export const sessionToken = new Promise<boolean>((resolve) => {
  tokenKnown = resolve;
});

export async function restoreSession(): Promise<void> {
  try {
    const restored = mayHaveSession() && (await refreshAccessToken());
    tokenKnown(restored);
    if (restored) {
      await loadMe();
      return;
    }
  } catch {
    tokenKnown(false);
  }
  currentUser.value = null;
}

export interface SignUp {
  username: string;
  email: string;
  password: string;
  name?: string;
}

export async function signUp(form: SignUp): Promise<void> {
  const body: Record<string, string> = { username: form.username, email: form.email, password: form.password };
  if (form.name) body.name = form.name;
  const answer = await api.post<{ data: User; token: TokenResponse }>("/api/users/register", body, {
    auth: false,
    headers: TOKEN_TRANSPORT,
  });
  keep(answer.token);
  currentUser.value = answer.data;
}

export async function logIn(login: string, password: string): Promise<void> {
  const grant = await api.post<TokenResponse>(
    "/api/users/login",
    { username: login, password },
    { auth: false, headers: TOKEN_TRANSPORT },
  );
  keep(grant);
  await loadMe();
}

/** Ends the session on the server (the cookie's refresh token is revoked and the cookie cleared). */
export async function logOut(): Promise<void> {
  try {
    await api.post("/api/auth/logout", {}, { auth: false, headers: TOKEN_TRANSPORT });
  } finally {
    signedOut();
  }
}

/** Forgets the session locally (after logout, account deletion, or a refresh the server refused). */
export function signedOut(): void {
  token = null;
  hint(false);
  currentUser.value = null;
}

/** A password change answers a new session's tokens (every other session ends). */
export function tokensChanged(grant: TokenResponse): void {
  keep(grant);
}
