// What the register keeps on the tablet, in IndexedDB: the booth's catalogue, the tablet's
// device code and offline numbering, and the outbox of sales the server has not taken yet.
// A sale enters the outbox with its offline number in one transaction, before the done
// screen shows, so neither a reload nor a closed tab nor a crash can lose it.
import { openDB } from "../../vendor/idb-8.0.4/idb.js";

const DB_NAME = "pameran-pos";

let opened = null;

export function database() {
  opened ??= openDB(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore("catalogue", { keyPath: "exhibitorId" });
      db.createObjectStore("device", { keyPath: "exhibitorId" });
      const outbox = db.createObjectStore("outbox", { keyPath: "key" });
      outbox.createIndex("byBooth", ["exhibitorId", "seq"]);
    },
  });
  return opened;
}

// --- the catalogue ------------------------------------------------------------------------

export async function loadCatalogue(exhibitorId) {
  return (await database()).get("catalogue", exhibitorId);
}

// `version` is the server's ETag of these products: while it is current the server
// answers "unchanged" (304) and only the time of the check moves on (touchCatalogue).
export async function saveCatalogue(exhibitorId, products, fetchedAt = new Date().toISOString(), version = null) {
  await (await database()).put("catalogue", { exhibitorId, products, fetchedAt, version });
}

export async function touchCatalogue(exhibitorId, fetchedAt) {
  const db = await database();
  const tx = db.transaction("catalogue", "readwrite");
  const kept = await tx.store.get(exhibitorId);
  if (kept) await tx.store.put({ ...kept, fetchedAt });
  await tx.done;
}

// --- the device ---------------------------------------------------------------------------

export async function loadDevice(exhibitorId) {
  return (await database()).get("device", exhibitorId);
}

export async function saveDeviceCode(exhibitorId, booth, code) {
  // A new code starts its own numbering at 1; a code already held keeps its count.
  const db = await database();
  const tx = db.transaction("device", "readwrite");
  const held = await tx.store.get(exhibitorId);
  if (!held || held.code !== code) await tx.store.put({ exhibitorId, booth, code, lastSeq: 0 });
  await tx.done;
}

// --- the outbox ---------------------------------------------------------------------------

export function offlineNumber(booth, code, seq) {
  return `${booth}-${code}-${String(seq).padStart(4, "0")}`;
}

// Keep a sale made on this tablet: the device's next number and the sale itself, written
// together or not at all. `build(number, seq)` returns the body to send.
export async function keepSale(exhibitorId, key, build) {
  const db = await database();
  const tx = db.transaction(["device", "outbox"], "readwrite");
  const device = await tx.objectStore("device").get(exhibitorId);
  if (!device) {
    tx.abort();
    throw new Error("no_device");
  }
  const seq = device.lastSeq + 1;
  const number = offlineNumber(device.booth, device.code, seq);
  const entry = {
    key,
    exhibitorId,
    seq,
    number,
    body: build({ device: device.code, number }),
    state: "waiting",
    message: "",
    keptAt: new Date().toISOString(),
  };
  await tx.objectStore("device").put({ ...device, lastSeq: seq });
  await tx.objectStore("outbox").put(entry);
  await tx.done;
  return entry;
}

export async function outbox(exhibitorId) {
  const range = IDBKeyRange.bound([exhibitorId, 0], [exhibitorId, Infinity]);
  return (await database()).getAllFromIndex("outbox", "byBooth", range);
}

export async function nextWaiting(exhibitorId) {
  return (await outbox(exhibitorId)).find((entry) => entry.state === "waiting");
}

export async function forget(key) {
  await (await database()).delete("outbox", key);
}

export async function needsAttention(key, message) {
  const db = await database();
  const tx = db.transaction("outbox", "readwrite");
  const entry = await tx.store.get(key);
  if (entry) await tx.store.put({ ...entry, state: "attention", message });
  await tx.done;
}

export async function persistStorage() {
  // Ask the browser not to evict the outbox under storage pressure (an installed app on
  // iPad keeps its storage too). Answers whether it is persistent.
  if (!navigator.storage?.persist) return false;
  if (await navigator.storage.persisted()) return true;
  return navigator.storage.persist();
}
