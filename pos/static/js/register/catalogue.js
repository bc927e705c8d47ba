// The booth's catalogue from the server, only what the register draws
// (GET /api/v1/register/catalogue). The server answers 304 while the copy the page shows
// is current (its version, the answer's ETag, sent back as If-None-Match), so the
// register's refresh every 20 seconds costs a few hundred bytes until a product is added,
// changed, taken out of sale or sold.
import * as storage from "./storage.js";

const shownVersions = new Map(); // exhibitor id → version of the products the page shows

// `shownAt`: the fetchedAt of the catalogue the page shows (null: it shows none). Answers
// {signedOut: true}, {items, version, fetchedAt} or {unchanged: true, fetchedAt};
// throws when the server cannot be reached or fails.
export async function fetchCatalogue(exhibitorId, shownAt) {
  let version = shownAt === null ? null : shownVersions.get(exhibitorId);
  if (shownAt !== null && version === undefined) {
    // Shown from the tablet's copy: its version, if that copy is the one shown (another
    // tab may have kept a newer one meanwhile).
    const kept = await storage.loadCatalogue(exhibitorId).catch(() => null);
    version = kept?.fetchedAt === shownAt ? kept.version : null;
  }
  const response = await fetch(`/api/v1/register/catalogue?exhibitor_id=${exhibitorId}`, {
    credentials: "same-origin",
    headers: version ? { "If-None-Match": version } : {},
  });
  const fetchedAt = new Date().toISOString();
  if (response.status === 401) return { signedOut: true };
  if (response.status === 304) return { unchanged: true, fetchedAt };
  if (!response.ok) throw new Error(String(response.status));
  const { items } = await response.json();
  const fresh = response.headers.get("ETag");
  shownVersions.set(exhibitorId, fresh);
  return { items, version: fresh, fetchedAt };
}
