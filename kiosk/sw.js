// Service worker of the kiosk: keeps the app shell so the kiosk starts and runs offline.
// Shell files are served from the cache at once and refreshed in the background, so a
// new version is used from the next load. Responses are never sent through here: the
// page posts them itself from its IndexedDB queue.
const CACHE = "bhtn-kiosk-shell-v1";
const SHELL = [
  "/kiosk/", "/kiosk/css/kiosk.css", "/kiosk/js/app.js", "/kiosk/js/api.js",
  "/kiosk/js/faces.js", "/kiosk/js/lockdown.js", "/kiosk/js/sender.js", "/kiosk/js/store.js",
  "/kiosk/js/util.js", "/kiosk/icon.svg", "/kiosk/manifest.webmanifest",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function isShell(url) {
  return url.origin === self.location.origin && url.pathname.startsWith("/kiosk/") &&
    url.pathname !== "/kiosk/config.json" && url.pathname !== "/kiosk/sw.js";
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(CACHE);
  const key = new URL(request.url);
  key.search = "";  // /kiosk/?idle=5 is the same page as /kiosk/
  const cached = await cache.match(key.href);
  const refresh = fetch(request).then((response) => {
    if (response.ok) cache.put(key.href, response.clone());
    return response;
  });
  if (cached) {
    refresh.catch(() => null);
    return cached;
  }
  return refresh;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isShell(url)) return;
  event.respondWith(staleWhileRevalidate(event.request));
});
