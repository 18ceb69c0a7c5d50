// Live updates over the WebSocket API (README: "Notifications and live updates"): the unread badge and the
// "N new tweets" bar change without polling. A browser cannot set headers on a WebSocket, so the access
// token goes in the query string, as the API expects. The socket reconnects with a growing delay, and
// refreshes the access token first when the handshake was refused. API Gateway closes idle sockets after
// 10 minutes: a ping every 5 minutes keeps it open.
import { signal } from "@preact/signals";
import { api } from "./api/client";
import type { LiveNotification } from "./api/types";
import { accessToken, refreshAccessToken } from "./session";

export const unreadCount = signal(0);
/** Entries that landed in the reader's home timeline since it was last shown in full. */
export const newTweets = signal<{ count: number; newestId: string | null }>({ count: 0, newestId: null });
export const liveState = signal<"off" | "connecting" | "open">("off");

type Listener = (notification: LiveNotification) => void;
const listeners = new Set<Listener>();

/** Calls `listener` with each notification pushed live; returns the unsubscribe function. */
export function onNotification(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function clearNewTweets(): void {
  newTweets.value = { count: 0, newestId: null };
}

let socket: WebSocket | null = null;
let retryDelayMs = 1000;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let pingTimer: ReturnType<typeof setInterval> | undefined;
let wanted = false;
let websocketUrl: Promise<string | null> | null = null;

function configuredUrl(): Promise<string | null> {
  websocketUrl ??= fetch("/config.json", { cache: "no-cache" })
    .then((response) => (response.ok ? response.json() : null))
    .then((config: { websocket_url?: string } | null) => config?.websocket_url ?? null)
    .catch(() => null);
  return websocketUrl;
}

export async function refreshUnreadCount(): Promise<void> {
  try {
    const answer = await api.get<{ data: { unread_count: number } }>("/api/notifications/unread_count");
    unreadCount.value = answer.data.unread_count;
  } catch {
    // the badge keeps its value; the next push or page load corrects it
  }
}

export function startLive(): void {
  wanted = true;
  void refreshUnreadCount();
  void connect();
}

export function stopLive(): void {
  wanted = false;
  clearTimeout(retryTimer);
  clearInterval(pingTimer);
  socket?.close(1000);
  socket = null;
  liveState.value = "off";
  unreadCount.value = 0;
  clearNewTweets();
}

async function connect(): Promise<void> {
  const base = await configuredUrl();
  const token = accessToken();
  if (!wanted || !base || !token || socket) return;
  liveState.value = "connecting";
  const opened = new WebSocket(`${base}${base.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}`);
  socket = opened;
  let wasOpen = false;
  opened.onopen = () => {
    wasOpen = true;
    retryDelayMs = 1000;
    liveState.value = "open";
    void refreshUnreadCount(); // what happened while the socket was closed
    pingTimer = setInterval(() => opened.readyState === WebSocket.OPEN && opened.send('{"type":"ping"}'), 300_000);
  };
  opened.onmessage = (event) => receive(String(event.data));
  opened.onclose = () => {
    clearInterval(pingTimer);
    socket = null;
    if (!wanted) return;
    liveState.value = "connecting";
    const refreshFirst = !wasOpen; // a refused handshake: most likely an expired token
    retryTimer = setTimeout(async () => {
      if (refreshFirst) await refreshAccessToken();
      void connect();
    }, retryDelayMs);
    retryDelayMs = Math.min(retryDelayMs * 2, 30_000);
  };
}

/** Applies one message from the socket (exported for the tests). */
export function receive(text: string): void {
  let message: { type?: string; data?: Record<string, unknown>; unread_count?: number };
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  if (message.type === "notification" && message.data) {
    if (typeof message.unread_count === "number") unreadCount.value = message.unread_count;
    for (const listener of listeners) listener(message.data as unknown as LiveNotification);
  } else if (message.type === "home_timeline" && message.data) {
    const { count, newest_id: newestId } = message.data as { count: number; newest_id: string };
    newTweets.value = { count: newTweets.value.count + count, newestId };
  }
}
