const BUILD = {"version": "dev", "shell": ["/kiosk/"]};
// The line above is replaced by the server with the real build: a version that changes
// whenever any kiosk file changes, and the list of files of the app shell.
//
// Service worker of the kiosk: keeps the app shell so the kiosk starts and runs offline.
// Each version lives in a cache of its own and is installed whole (every file fetched
// again from the server, or the install fails and the old version stays), so a kiosk never
// mixes files of two versions. The page reloads into a new version between two claimants.
// Responses are never sent through here: the page posts them itself from its IndexedDB queue.
const PREFIX = "bhtn-kiosk-shell-";
const CACHE = PREFIX + BUILD.version;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(BUILD.shell.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

function isShell(url) {
  return url.origin === self.location.origin && url.pathname.startsWith("/kiosk/") &&
    url.pathname !== "/kiosk/config.json" && url.pathname !== "/kiosk/sw.js";
}

async function fromShell(request) {
  const cache = await caches.open(CACHE);
  const key = new URL(request.url);
  key.search = "";  // /kiosk/?idle=5 is the same page as /kiosk/
  return (await cache.match(key.href)) || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isShell(url)) return;
  event.respondWith(fromShell(event.request));
});
