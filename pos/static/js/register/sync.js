// The one sender of the outbox: sends the tablet's waiting sales to the server in order,
// each with its own Idempotency-Key, and forgets a sale only once the server has taken it.
// A Web Lock per booth makes sure two tabs never send at the same time; the server's
// idempotency and the buyer token make a repeat harmless anyway.
import * as storage from "./storage.js";

export const TIMEOUT_MS = 8000;

// POST JSON with a deadline: a request that never answers counts as a lost answer.
export async function postJson(path, body, headers, timeoutMs = TIMEOUT_MS) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    let payload = null;
    try {
      payload = await response.json();
    } catch {
      payload = null;
    }
    return { status: response.status, payload };
  } catch {
    return { status: 0, payload: null }; // no answer: offline, dropped or timed out
  } finally {
    clearTimeout(timer);
  }
}

// What an answer means for a sale that was sent.
export function verdict({ status, payload }) {
  if (status === 200 || status === 201) return "recorded";
  if (status === 0 || status >= 500 || status === 408 || status === 429) return "retry";
  if (status === 401) return "signed_out";
  if (status === 403 && payload?.error === "csrf_failed") return "csrf";
  return "refused";
}

// Send every waiting sale of the booth, oldest first. `session` gives the CSRF token and
// can renew it; `onChange` hears about each sale sent or refused. Answers why it stopped:
// "done", "retry" (no connection), "signed_out" or "busy" (another tab is sending).
export async function sendWaiting(exhibitorId, session, onChange = () => {}) {
  const run = () => sendAll(exhibitorId, session, onChange);
  if (!navigator.locks) return run();
  return navigator.locks.request(`pameran-outbox-${exhibitorId}`, { ifAvailable: true }, (lock) =>
    lock ? run() : "busy",
  );
}

async function sendAll(exhibitorId, session, onChange) {
  for (;;) {
    const entry = await storage.nextWaiting(exhibitorId);
    if (!entry) return "done";
    let answer = await send(entry, session);
    let outcome = verdict(answer);
    if (outcome === "csrf" && (await session.renew())) {
      answer = await send(entry, session);
      outcome = verdict(answer);
    }
    if (outcome === "recorded") {
      await storage.forget(entry.key);
      onChange({ entry, sale: answer.payload });
    } else if (outcome === "refused" || outcome === "csrf") {
      await storage.needsAttention(entry.key, answer.payload?.message || String(answer.status));
      onChange({ entry, refused: answer.payload });
    } else {
      return outcome;
    }
  }
}

function send(entry, session) {
  return postJson("/api/v1/sales", entry.body, {
    "Idempotency-Key": entry.key,
    "X-CSRFToken": session.csrf(),
  });
}
