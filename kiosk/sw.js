const BUILD = {"version": "dev", "shell": ["/kiosk/"]};
// The line above is replaced by the server with the real build: a version that changes
// whenever any kiosk file changes, and the list of files of the app shell.
//
// Service worker of the kiosk: keeps the app shell so the kiosk starts and runs offline.
// Each version lives in a cache of its own and is installed whole (every file fetched
// again from the server, or the install fails and the old version stays), so a kiosk never
// mixes files of two versions. The page reloads into a new version between two claimants.
// Responses are never sent through here: the page posts them itself from its IndexedDB queue.
//
// Type-checked (JSDoc types) through tsconfig.sw.json, which sets checkJs: a "// @ts-check"
// line cannot come first here, since the server's BUILD line must stay the first line.
const PREFIX = "bhtn-kiosk-shell-";
const CACHE = PREFIX + BUILD.version;
/** This file's global scope: a service worker's. */
const worker = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));

worker.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE)
    .then((cache) => cache.addAll(BUILD.shell.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => worker.skipWaiting()));
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key.startsWith(PREFIX) && key !== CACHE)
      .map((key) => caches.delete(key))))
    .then(() => worker.clients.claim()));
});

/**
 * @param {URL} url
 * @returns {boolean}
 */
function isShell(url) {
  return url.origin === worker.location.origin && url.pathname.startsWith("/kiosk/") &&
    url.pathname !== "/kiosk/config.json" && url.pathname !== "/kiosk/sw.js";
}

/**
 * @param {Request} request
 * @returns {Promise<Response>}
 */
async function fromShell(request) {
  const cache = await caches.open(CACHE);
  const key = new URL(request.url);
  key.search = "";  // /kiosk/?anything is the same page as /kiosk/
  return (await cache.match(key.href)) || fetch(request);
}

worker.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || !isShell(url)) return;
  event.respondWith(fromShell(event.request));
});
