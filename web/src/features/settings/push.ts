// Web Push for this browser (README "Web Push"): subscribe with the API's VAPID public key, and tell the
// API the subscription (PushSubscription.toJSON()); unsubscribing tells it the endpoint to forget.
// The service worker (public/sw.js, registered by main.tsx) shows what arrives.
import { api } from "../../api/client";

export function pushSupported(): boolean {
  return typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** A base64url VAPID key as the bytes pushManager.subscribe() takes. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = base64url.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (base64url.length % 4)) % 4);
  const raw = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(raw.length));
  for (let index = 0; index < raw.length; index += 1) bytes[index] = raw.charCodeAt(index);
  return bytes;
}

/** The app's service worker registration (main.tsx registers it), or null when there is none. */
export async function registration(): Promise<ServiceWorkerRegistration | null> {
  if (!pushSupported()) return null;
  return (await navigator.serviceWorker.getRegistration()) ?? null;
}

export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const found = await registration();
  return found ? found.pushManager.getSubscription() : null;
}

/** Subscribes this browser; false when the person did not allow notifications. */
export async function subscribe(): Promise<boolean> {
  if ((await Notification.requestPermission()) !== "granted") return false;
  const key = await api.get<{ data: { application_server_key: string } }>("/api/notifications/push_key");
  const worker = await registration();
  if (!worker) throw new Error("no service worker");
  const subscription =
    (await worker.pushManager.getSubscription()) ??
    (await worker.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.data.application_server_key) }));
  const json = subscription.toJSON();
  try {
    await api.post("/api/users/me/push_subscriptions", {
      endpoint: json.endpoint,
      keys: { p256dh: json.keys?.p256dh, auth: json.keys?.auth },
      expirationTime: json.expirationTime ?? null,
    });
  } catch (error) {
    await subscription.unsubscribe().catch(() => undefined);
    throw error;
  }
  return true;
}

export async function unsubscribe(): Promise<void> {
  const subscription = await currentSubscription();
  if (!subscription) return;
  await api.del("/api/users/me/push_subscriptions", { endpoint: subscription.endpoint });
  await subscription.unsubscribe();
}
