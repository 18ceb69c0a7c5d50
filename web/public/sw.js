// Chirp's service worker: makes the app installable and keeps its shell working offline, and shows the
// notifications the API sends by Web Push when no tab is open (the payload is the WebSocket's
// notification message: README "Notifications and live updates").
const SHELL_CACHE = "chirp-shell-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(["/", "/manifest.webmanifest", "/icon.svg"])));
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== SHELL_CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// Navigations: the network first (a fresh index.html), the cached shell when offline. Hashed assets:
// the cache first (their names change with their content). The API and config are never cached here.
self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/config.json") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match("/")));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(
      caches.match(request).then(
        (hit) =>
          hit ||
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              caches.open(SHELL_CACHE).then((cache) => cache.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});

const VERBS = {
  like: "liked your tweet",
  retweet: "retweeted your tweet",
  follow: "followed you",
  reply: "replied to you",
  quote: "quoted your tweet",
  mention: "mentioned you",
};

self.addEventListener("push", (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch {
    message = {};
  }
  const data = message.data || {};
  const actors = (data.actors || []).map((actor) => actor.name || actor.username);
  const who = actors.length ? actors[0] + (data.count > 1 ? ` and ${data.count - 1} others` : "") : "Someone";
  const body = `${who} ${VERBS[data.kind] || "did something"}`;
  const url = data.tweet_id ? `/t/${data.tweet_id}` : "/notifications";
  event.waitUntil(
    self.registration.showNotification("Chirp", { body, tag: data.id || "chirp", icon: "/icon-192.png", data: { url } }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || "/notifications";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => "focus" in client);
      if (open) return open.navigate(url).then((client) => client && client.focus());
      return self.clients.openWindow(url);
    }),
  );
});
