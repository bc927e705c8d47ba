// The register's service worker: the register page and its files are served from the
// tablet when the server cannot be reached. Other pages stay network-only and show the
// offline page instead. The server fills in VERSION (a hash of the shell's files) and
// SHELL when it serves this file, so a new release replaces the cache at once.
//
// SHELL's static files carry their content hash (?v=…) where they can, and the browser
// already keeps those a year: installing takes them from its cache instead of loading
// them twice. The others (files the register's modules import by path, the offline
// page, the manifest) are revalidated. A page asks for a file by path, whatever its ?v=.
const VERSION = "__VERSION__";
const SHELL = __SHELL__;
const SHELL_PATHS = new Set(SHELL.map((url) => new URL(url, self.location.origin).pathname));
const SHELL_CACHE = `pameran-shell-${VERSION}`;
const PAGES_CACHE = "pameran-pages"; // the register page as last served, per address
const PHOTOS_CACHE = "pameran-photos"; // product thumbnails the register showed
const NETWORK_WAIT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL.map(shellRequest))).then(() => self.skipWaiting()),
  );
});

function shellRequest(url) {
  const versioned = new URL(url, self.location.origin).searchParams.has("v");
  return new Request(url, { cache: versioned ? "default" : "no-cache" });
}

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("pameran-shell-") && n !== SHELL_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function isRegister(url) {
  return url.pathname === "/register";
}

async function registerPage(request) {
  // Network first, but not for long: a venue Wi-Fi that hangs must not keep the cashier
  // from the register. A page that redirected (to sign in) is never kept.
  const cache = await caches.open(PAGES_CACHE);
  const fromNetwork = fetch(request).then(async (response) => {
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  });
  const timeout = new Promise((resolve) => setTimeout(resolve, NETWORK_WAIT_MS, null));
  try {
    const response = await Promise.race([fromNetwork, timeout]);
    if (response) return response;
  } catch {
    // offline: the kept page below
  }
  const kept = (await cache.match(request)) || (await cache.match(request, { ignoreSearch: true }));
  if (kept) return kept;
  try {
    return await fromNetwork;
  } catch {
    return offlinePage();
  }
}

async function offlinePage() {
  return (await caches.match("/offline")) || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
}

async function cacheFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (isRegister(url)) event.respondWith(registerPage(request));
    else event.respondWith(fetch(request).catch(offlinePage));
    return;
  }
  if (SHELL_PATHS.has(url.pathname)) {
    event.respondWith(
      caches.open(SHELL_CACHE)
        .then((cache) => cache.match(request, { ignoreSearch: true, ignoreVary: true }))
        .then((kept) => kept || fetch(request)),
    );
    return;
  }
  if (url.pathname.startsWith("/photos/")) {
    event.respondWith(cacheFirst(request, PHOTOS_CACHE));
  }
  // Everything else (the API above all) goes to the network: the register handles the
  // answers that do not come.
});
