/*
 * Wijkaanpak's service worker (served as /sw.js by wijkaanpak.core.offline.service_worker,
 * which prepends `self.WIJKAANPAK_OFFLINE = {...}`: the precache manifest, the Workbox path,
 * the offline header and the longest age of a kept page).
 *
 * - Precaches the tablet's assets (OFFLINE_ASSETS) when it installs.
 * - Navigations: network first, with `X-Offline-Kit: <revision>` of the tablet kit (stylesheet
 *   and script) it precached (the server then links them instead of inlining them). A page is kept for offline use only when the server marked
 *   its response with `X-Offline-Cache: route` (tonight's route); an unmarked answer removes
 *   any copy of that URL; a copy older than one shift is never served.
 * - Everything else (form posts, the outbox's fetches, htmx fragments) is not handled here:
 *   it goes to the network as if there were no worker (network only).
 * - Messages from static/js/offline-queue.js:
 *   {type: "keep-page", url, fetch}: keep that page now if the server marks it (the first
 *     visit, which did not come through the worker); answers {cached: bool};
 *   {type: "refresh-page", url}: fetch that page again now and keep it if the server marks
 *     it (after the outbox sent what was entered on it, so that a reload offline shows it
 *     as stored); answers {cached: bool};
 *   {type: "clear"}: delete every cache (at logout); answers {cleared: true}.
 *
 * Workbox comes from static/vendor/workbox/ (workbox-sw with a local modulePathPrefix and
 * the prod builds), never from a CDN.
 */
/* global workbox */
const config = self.WIJKAANPAK_OFFLINE;
importScripts(config.workboxSw);
workbox.setConfig({ modulePathPrefix: config.workboxPath, debug: false });
// Load every module now: importScripts is refused once the worker has been installed.
const { core, precaching, routing, strategies } = workbox;

const PAGES = "wijkaanpak-pages";

core.setCacheNameDetails({ prefix: "wijkaanpak" });
self.skipWaiting();
core.clientsClaim();

precaching.cleanupOutdatedCaches();
precaching.precacheAndRoute(config.precache);

function marked(response) {
  return Boolean(response) && response.status === 200 && response.headers.get(config.header) === config.mark;
}

function tooOld(response) {
  const date = Date.parse(response.headers.get("date") || "");
  return Number.isFinite(date) && Date.now() - date > config.maxAgeSeconds * 1000;
}

const pagePolicy = {
  // Keep only what the server marked.
  cacheWillUpdate: async ({ response }) => (marked(response) ? response : null),
  // The server no longer marks this URL: remove the copy from the device.
  fetchDidSucceed: async ({ request, response }) => {
    if (!marked(response) && (await caches.has(PAGES))) {
      const cache = await caches.open(PAGES);
      await cache.delete(request.url, { ignoreVary: true, ignoreSearch: false });
    }
    return response;
  },
  // Never serve a copy older than one shift; remove it instead.
  cachedResponseWillBeUsed: async ({ request, cachedResponse }) => {
    if (cachedResponse && tooOld(cachedResponse)) {
      // caches.open() would create the cache; it exists, since it just answered.
      const cache = await caches.open(PAGES);
      await cache.delete(request.url, { ignoreVary: true });
      return null;
    }
    return cachedResponse;
  },
};

// Tell the server which tablet kit (stylesheet and script) this worker precached
// (wijkaanpak.core.offline): a page fetched here may then link them instead of carrying them inline. A navigation request
// cannot be copied with new headers, so a same-origin GET with the same URL is sent instead
// (redirects stay the browser's: "manual").
const kitPolicy = {
  requestWillFetch: async ({ request }) => {
    if (!config.kit || request.method !== "GET") return request;
    const headers = new Headers(request.headers);
    headers.set(config.kitHeader, config.kit);
    return new Request(request.url, { headers, credentials: "same-origin", redirect: "manual" });
  },
};

const pages = new strategies.NetworkFirst({
  cacheName: PAGES,
  networkTimeoutSeconds: 4,
  plugins: [kitPolicy, pagePolicy],
  matchOptions: { ignoreVary: true },
});

routing.registerRoute(
  ({ request, url }) => request.mode === "navigate" && url.origin === self.location.origin,
  pages,
);

async function keepPage(event, url, fetchIt, refresh = false) {
  const cache = await caches.open(PAGES);
  const kept = await cache.match(url, { ignoreVary: true });
  if (kept && !tooOld(kept) && !refresh) return true;
  if (!fetchIt) return false;
  const request = new Request(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
  const response = await pages.handle({ event, request });
  return marked(response);
}

async function clearCaches() {
  const names = await caches.keys();
  await Promise.all(names.map((name) => caches.delete(name)));
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (answer) => event.ports[0] && event.ports[0].postMessage(answer);
  if (data.type === "clear") {
    event.waitUntil(clearCaches().then(() => reply({ cleared: true })));
  } else if (data.type === "keep-page" || data.type === "refresh-page") {
    const url = new URL(data.url, self.location.origin);
    if (url.origin !== self.location.origin) return reply({ cached: false });
    const refresh = data.type === "refresh-page";
    event.waitUntil(
      keepPage(event, url.href, refresh || Boolean(data.fetch), refresh)
        .then((cached) => reply({ cached }))
        .catch(() => reply({ cached: false })),
    );
  }
});
