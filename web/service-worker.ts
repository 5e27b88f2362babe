/// <reference lib="webworker" />
/**
 * The pages' service worker: keeps the page's files and its last downloads (configuration,
 * bundle) so the page opens and verifies with no network. Same-origin GETs go to the network
 * first and refresh the cache; without a network the cached copy answers, marked
 * `x-laissez-cache: hit` so the page can say it is offline. Other origins pass through.
 */
declare const self: ServiceWorkerGlobalScope;
declare const CACHE_NAME: string;
declare const SHELL: string[];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE_NAME)
      .then((cache) => cache.addAll(SHELL))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(names.filter((n) => n.startsWith("laissez-") && n !== CACHE_NAME).map((n) => caches.delete(n))),
      )
      .then(() => self.clients.claim()),
  );
});

async function networkFirst(request: Request): Promise<Response> {
  const cache = await caches.open(CACHE_NAME);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (!cached)
      return new Response(JSON.stringify({ error: { code: "offline", message: "no network and nothing cached" } }), {
        status: 503,
        headers: { "content-type": "application/json" },
      });
    const headers = new Headers(cached.headers);
    headers.set("x-laissez-cache", "hit");
    return new Response(cached.body, { status: cached.status, headers });
  }
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(networkFirst(event.request));
});
