// The booth register: a product grid, a cart and checkout, talking to the JSON API, and
// selling on without it. The page is served by the service worker when the server cannot
// be reached; the catalogue comes from the tablet (register/storage.js) and is refreshed
// whenever the server answers.
//
// Completing a sale: when the server is reachable and no sale waits on the tablet, the
// sale is sent live (the server may still refuse it for stock or a changed price, while
// the buyer stands there). When that send gets no answer within a few seconds, or the
// tablet is offline, the sale is kept on the tablet with its offline number and sent by
// the one sender (register/sync.js). The buyer token made before the live send lets the
// server recognise the same sale coming back from the outbox: it is recorded once.
import { cameraAvailable, scan } from "./register/camera.js";
import { offlineReceipt, qrDataUrl } from "./register/print.js";
import { setupPrinting } from "./register/printing.js";
import * as storage from "./register/storage.js";
import { postJson, sendWaiting, verdict } from "./register/sync.js";
import { fetchCatalogue } from "./register/catalogue.js";
import { holds, searchText, showProducts } from "./register/grid.js";

const root = document.getElementById("register");
const cfg = {
  exhibitorId: Number(root.dataset.exhibitorId),
  currency: root.dataset.currency,
  locale: root.dataset.locale,
  role: root.dataset.role,
  discountLimit: Number(root.dataset.discountLimit),
  categories: JSON.parse(root.dataset.categories),
  methods: JSON.parse(root.dataset.methods),
  attributes: JSON.parse(root.dataset.attributes),
  text: JSON.parse(root.dataset.text),
};
cfg.booth = root.dataset.booth;
cfg.timezone = root.dataset.timezone || undefined;
const receiptContext = JSON.parse(root.dataset.receipt);
let csrfToken = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);
const CART_KEY = `pameran-cart-${cfg.exhibitorId}`;
const SHIFT_KEY = `pameran-shift-${cfg.exhibitorId}`;

// The page's CSRF token, renewed when a page served from the tablet's cache holds an
// expired one; a 401 means the session itself ended (sign in again, nothing is lost).
const session = {
  csrf: () => csrfToken,
  async renew() {
    try {
      const response = await fetch("/api/v1/auth/csrf", { credentials: "same-origin" });
      if (!response.ok) return false;
      csrfToken = (await response.json()).csrf_token;
      return true;
    } catch {
      return false;
    }
  },
};

const state = {
  products: [],
  category: "",
  query: "",
  cart: [], // {product, quantity, discount: {percent}|{amount}|null}
  orderDiscount: null,
  payments: [], // {method, amount, reference}
  method: "cash",
  shift: null,
  online: navigator.onLine,
  waiting: 0, // sales on the tablet the server has not taken yet
  attention: [], // sales the server refused: the manager corrects or discards them
  pending: new Map(), // product id → units in waiting sales (not yet in the server's stock)
  catalogueAge: null,
  signedOut: false,
  openingFloat: null, // typed offline when no shift was known: sent with offline sales
  refused: new Set(), // product ids the server refused at Complete (marked in the cart)
};

// --- money ------------------------------------------------------------------------------

const digits = new Intl.NumberFormat("en", { style: "currency", currency: cfg.currency })
  .resolvedOptions().maximumFractionDigits;
const scale = 10 ** digits;

function money(amount) {
  const value = amount / scale;
  if (cfg.currency === "IDR") {
    const n = value.toLocaleString(cfg.locale === "id" ? "id-ID" : "en-US", { maximumFractionDigits: 0 });
    return cfg.locale === "id" ? `Rp${n}` : `IDR\u00a0${n}`;
  }
  return new Intl.NumberFormat(cfg.locale, { style: "currency", currency: cfg.currency }).format(value);
}

function parseAmount(text) {
  // Typed money in the smallest unit: "150.000", "150,000" or "150000" rupiah; for a
  // currency with cents, "12.50" is 1250.
  const raw = String(text).trim();
  if (!digits) {
    const cleaned = raw.replace(/[^0-9]/g, "");
    return cleaned ? Number(cleaned) : NaN;
  }
  const value = Number(raw.replace(/[^0-9.,]/g, "").replace(",", "."));
  return raw && Number.isFinite(value) ? Math.round(value * scale) : NaN;
}

// Times on the event's clocks (a tablet may be set to another zone).
const clockFormat = new Intl.DateTimeFormat(cfg.locale, { hour: "2-digit", minute: "2-digit", timeZone: cfg.timezone });
const clock = (moment) => clockFormat.format(moment);

function t(key, values = {}) {
  return cfg.text[key].replace(/\{(\w+)\}/g, (_m, name) => values[name]);
}

// The pricing rules of the server (pos/sales/pricing.py), to show totals while tapping;
// the server prices the sale again and its answer is what is recorded.
function halfUp(numerator, denominator) {
  return Math.floor((2 * numerator + denominator) / (2 * denominator));
}

function lineDiscount(line) {
  const gross = line.product.price * line.quantity;
  if (!line.discount) return 0;
  if (line.discount.percent !== undefined) return halfUp(gross * line.discount.percent, 100);
  return Math.min(line.discount.amount, gross);
}

function totals() {
  const lines = state.cart.map((line) => {
    const gross = line.product.price * line.quantity;
    const discount = lineDiscount(line);
    return { gross, discount, total: gross - discount };
  });
  const subtotal = lines.reduce((sum, l) => sum + l.gross, 0);
  const afterLines = lines.reduce((sum, l) => sum + l.total, 0);
  let order = 0;
  if (state.orderDiscount?.percent !== undefined) order = halfUp(afterLines * state.orderDiscount.percent, 100);
  else if (state.orderDiscount) order = Math.min(state.orderDiscount.amount, afterLines);
  const discount = lines.reduce((sum, l) => sum + l.discount, 0) + order;
  return { lines, subtotal, discount, total: subtotal - discount };
}

// --- the API ----------------------------------------------------------------------------

async function api(method, path, body, headers = {}) {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    payload = null;
  }
  return { status: response.status, ok: response.ok, payload };
}

const collator = new Intl.Collator(cfg.locale, { numeric: true, sensitivity: "base" });

function useCatalogue(products, fetchedAt) {
  state.products = products.filter((p) => p.sellable !== false).sort((a, b) => collator.compare(a.name, b.name));
  state.catalogueAge = fetchedAt;
  restoreCart();
  changed();
  renderStatus();
}

async function loadProducts() {
  // The tablet's copy first (instant, and all there is offline), then the server's.
  const kept = await storage.loadCatalogue(cfg.exhibitorId).catch(() => null);
  if (kept) useCatalogue(kept.products, kept.fetchedAt);
  else $("catalogue-message").textContent = t("loading");
  await refreshCatalogue();
}

async function refreshCatalogue() {
  try {
    const answer = await fetchCatalogue(cfg.exhibitorId, state.catalogueAge);
    if (answer.signedOut) return signedOut();
    const message = $("catalogue-message");
    if ([t("loading"), t("load_failed")].includes(message.textContent)) message.textContent = "";
    if (answer.unchanged) {
      // The server has nothing new: the catalogue shown is as of now.
      state.catalogueAge = answer.fetchedAt;
      await storage.touchCatalogue(cfg.exhibitorId, answer.fetchedAt).catch(() => {});
      renderStatus();
    } else {
      await storage.saveCatalogue(cfg.exhibitorId, answer.items, answer.fetchedAt, answer.version).catch(() => {});
      useCatalogue(answer.items, answer.fetchedAt);
    }
    online(true);
  } catch {
    if (!state.products.length) $("catalogue-message").textContent = t("load_failed");
    online(false);
  }
}

async function loadShift() {
  const { ok, status, payload } = await api("GET", `/api/v1/shifts?exhibitor_id=${cfg.exhibitorId}`).catch(() => ({}));
  if (ok) {
    state.shift = payload.items.find((shift) => shift.register === "") || null;
    if (state.shift) localStorage.setItem(SHIFT_KEY, JSON.stringify({ id: state.shift.id, opened_at: state.shift.opened_at }));
    else localStorage.removeItem(SHIFT_KEY);
  } else if (status !== 401) {
    state.shift = JSON.parse(localStorage.getItem(SHIFT_KEY) || "null"); // as last known
  }
  renderShift();
}

async function ensureDevice() {
  // The tablet's device code of this booth, asked for once while online; shown on the
  // register (data-device) once the tablet has one.
  let held = await storage.loadDevice(cfg.exhibitorId).catch(() => null);
  if (!held && navigator.onLine) {
    const { ok, payload } = await api("POST", "/api/v1/devices", { exhibitor_id: cfg.exhibitorId }).catch(() => ({}));
    if (ok) {
      await storage.saveDeviceCode(cfg.exhibitorId, cfg.booth, payload.device);
      held = await storage.loadDevice(cfg.exhibitorId);
    }
  }
  if (held) root.dataset.device = held.code;
  return held;
}

// --- rendering --------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("data-")) node.setAttribute(key, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function available(product) {
  // The server's stock less what waiting sales of this tablet have taken.
  return product.stock - (state.pending.get(product.id) || 0);
}

function inCart(product) {
  return state.cart.filter((l) => l.product.id === product.id).reduce((n, l) => n + l.quantity, 0);
}

function matches(product) {
  if (state.category && product.category !== state.category) return false;
  if (!state.query) return true;
  // SKU, name and every attribute (artist, motif, material…), choices also by their label;
  // the text is made once per product (register/grid.js).
  return holds(product, choiceLabel, state.query);
}

function choiceLabel(value) {
  // "hand" → "Hand-woven"; "" for anything that is not a choice.
  return Object.hasOwn(cfg.attributes.choices, value) ? cfg.attributes.choices[value] : "";
}

function stockNote(product, left) {
  // Sold out, low (at or under the product's own threshold) or how many are left.
  if (left <= 0) return { text: product.one_of_a_kind ? t("sold") : t("sold_out"), level: "out" };
  const threshold = product.low_stock_threshold;
  if (threshold !== null && threshold !== undefined && left <= threshold) {
    return { text: t("low", { n: left }), level: "low" };
  }
  return { text: product.one_of_a_kind ? t("one_of_a_kind") : t("left", { n: left }), level: "" };
}

function tileArt(product) {
  if (product.thumbnail_url) {
    return el("img", { class: "tile-art tile-photo", src: product.thumbnail_url, alt: "", loading: "lazy", decoding: "async", width: 160, height: 160 });
  }
  return el("span", { class: "tile-art", "aria-hidden": "true" }, product.name.slice(0, 1).toUpperCase());
}

function renderGrid() {
  // A tile is built once and the grid holds a screen's worth of the matches, more as the
  // cashier scrolls (register/grid.js); a render updates only the notes and prices that
  // changed.
  const shown = showProducts($("grid"), state.products, {
    identity: (p) => `${p.sku}\n${p.name}\n${p.category}\n${p.thumbnail_url || ""}`,
    prepare: (p) => searchText(p, choiceLabel),
    build(product, entry) {
      const price = el("span", { class: "tile-price" });
      const stock = el("span", { class: "tile-stock" });
      const tile = el(
        "button",
        { type: "button", class: `product-tile cat-${product.category}`, "data-product-id": product.id, "data-sku": product.sku },
        tileArt(product),
        el("span", { class: "tile-name" }, product.name),
        price,
        stock,
      );
      tile.addEventListener("click", () => addToCart(entry.product));
      const info = el("button", { type: "button", class: "tile-info", "aria-label": t("details", { name: product.name }), "data-sku": product.sku }, "i");
      info.addEventListener("click", () => showItem(entry.product));
      return { cell: el("div", { class: "product-cell" }, tile, info), tile, price, stock };
    },
    looks: (p) => `${available(p) - inCart(p)} ${p.price} ${p.low_stock_threshold} ${p.one_of_a_kind}`,
    update(entry, product) {
      const left = available(product) - inCart(product);
      const soldOut = left <= 0;
      const note = stockNote(product, left);
      entry.tile.className = `product-tile cat-${product.category}${soldOut ? " sold-out" : ""}${note.level === "low" ? " low-stock" : ""}`;
      entry.tile.disabled = soldOut;
      entry.price.textContent = money(product.price);
      entry.stock.className = `tile-stock ${note.level}`;
      entry.stock.textContent = note.text;
    },
    visible: matches,
    criteria: () => `${state.category}\n${state.query}`,
  });
  if (!state.products.length && state.catalogueAge) $("catalogue-message").textContent = t("no_products");
  else if (!shown) $("catalogue-message").textContent = t("no_match");
  else if ([t("no_match"), t("no_products")].includes($("catalogue-message").textContent)) $("catalogue-message").textContent = "";
}

// The item's details: photo, attributes and description, for the buyer's questions.
let itemShown = null;

function showItem(product) {
  itemShown = product;
  $("item-name").textContent = product.name;
  $("item-sku").textContent = product.sku;
  $("item-category").textContent = cfg.categories[product.category] || product.category;
  $("item-price").textContent = money(product.price);
  const photo = $("item-photo");
  photo.hidden = !product.photo_url;
  if (product.photo_url) {
    photo.src = product.photo_url;
    photo.alt = product.name;
  }
  const facts = $("item-facts");
  facts.replaceChildren();
  const left = available(product) - inCart(product);
  facts.append(el("dt", {}, t("in_stock")), el("dd", {}, stockNote(product, left).text));
  for (const [key, label] of cfg.attributes.labels[product.category] || []) {
    const value = (product.attributes || {})[key];
    if (value === undefined || value === null || value === "") continue;
    facts.append(el("dt", {}, label), el("dd", {}, choiceLabel(value) || String(value)));
  }
  $("item-description").textContent = product.description || "";
  $("item-add").disabled = left <= 0;
  $("item").showModal();
}

$("item-close").addEventListener("click", () => $("item").close());
$("item-add").addEventListener("click", () => {
  if (itemShown) addToCart(itemShown);
  $("item").close();
});

function renderCart() {
  const list = $("cart-lines");
  list.replaceChildren();
  const sums = totals();
  state.cart.forEach((line, index) => {
    const info = sums.lines[index];
    const minus = el("button", { type: "button", class: "btn step", "aria-label": "−" }, "−");
    const plus = el("button", { type: "button", class: "btn step", "aria-label": "+" }, "+");
    const discount = el("button", { type: "button", class: "link-button" }, info.discount ? `−${money(info.discount)}` : t("discount"));
    const remove = el("button", { type: "button", class: "link-button danger" }, t("remove"));
    minus.addEventListener("click", () => changeQuantity(index, -1));
    plus.addEventListener("click", () => changeQuantity(index, +1));
    plus.disabled = inCart(line.product) >= available(line.product);
    discount.addEventListener("click", () => askDiscount(index));
    remove.addEventListener("click", () => { state.cart.splice(index, 1); changed(); });
    list.append(
      el(
        "li",
        { class: `cart-line${state.refused.has(line.product.id) ? " refused" : ""}`, "data-product-id": line.product.id },
        el("div", { class: "line-name" }, line.product.name, el("small", {}, `${line.product.sku} · ${money(line.product.price)}`)),
        el("div", { class: "stepper" }, minus, el("output", { class: "qty" }, String(line.quantity)), plus),
        el("div", { class: "line-total" }, money(info.total), el("small", {}, discount, " ", remove)),
      ),
    );
  });
  $("cart-empty").hidden = state.cart.length > 0;
  $("subtotal").textContent = money(sums.subtotal);
  const lineDiscounts = sums.lines.reduce((sum, l) => sum + l.discount, 0);
  const orderDiscount = sums.discount - lineDiscounts;
  $("discount").textContent = orderDiscount ? `−${money(orderDiscount)}` : "";
  $("total").textContent = money(sums.total);
  $("pay").disabled = state.cart.length === 0;
}

function renderShift() {
  const status = $("shift-status");
  if (state.shift) {
    const opened = new Date(state.shift.opened_at);
    const time = clock(opened);
    status.textContent = t("shift_open", { time });
    status.className = "shift-status open";
    $("open-shift").hidden = true;
  } else {
    status.textContent = t("shift_closed");
    status.className = "shift-status closed";
    $("open-shift").hidden = false;
  }
}

function changed() {
  renderCart();
  renderGrid();
  saveCart();
}

// The cart stays on the tablet until the sale completes or the cashier clears it: a
// reload, the language switch or a trip to another page does not lose it.
function saveCart() {
  if (!state.products.length && !state.cart.length) return;
  const kept = {
    lines: state.cart.map((l) => ({ id: l.product.id, quantity: l.quantity, discount: l.discount })),
    orderDiscount: state.orderDiscount,
  };
  if (kept.lines.length) localStorage.setItem(CART_KEY, JSON.stringify(kept));
  else localStorage.removeItem(CART_KEY);
}

function restoreCart() {
  const kept = JSON.parse(localStorage.getItem(CART_KEY) || "null");
  if (!kept || state.cart.length) return;
  state.cart = kept.lines
    .map((l) => ({ product: state.products.find((p) => p.id === l.id), quantity: l.quantity, discount: l.discount }))
    .filter((l) => l.product);
  state.orderDiscount = kept.orderDiscount;
}

// --- cart -------------------------------------------------------------------------------

function addToCart(product) {
  if (inCart(product) >= available(product)) return;
  const line = state.cart.find((l) => l.product.id === product.id && !l.discount);
  if (line) line.quantity += 1;
  else state.cart.push({ product, quantity: 1, discount: null });
  changed();
}

function changeQuantity(index, delta) {
  const line = state.cart[index];
  const next = line.quantity + delta;
  if (next <= 0) state.cart.splice(index, 1);
  else if (delta < 0 || inCart(line.product) < available(line.product)) line.quantity = next;
  changed();
}

function parseDiscount(text) {
  const raw = String(text || "").trim();
  if (!raw) return null;
  if (raw.endsWith("%")) {
    const percent = Number(raw.slice(0, -1).replace(",", "."));
    if (!(percent >= 0 && percent <= 100)) return undefined;
    return { percent };
  }
  const amount = parseAmount(raw);
  return Number.isFinite(amount) ? { amount } : undefined;
}

function withinLimit(gross, discountAmount) {
  return cfg.role !== "cashier" || discountAmount * 100 <= gross * cfg.discountLimit;
}

// Discounts are typed in a dialog: a percentage ("10%") or an amount ("25.000"), with
// quick percentages; a cashier's discount is held to the event's limit, as the server
// holds it (pos/sales/pricing.py discount_within): each line's discount against its
// line, and the line and sale discounts together against the sale before discounts.
let discountTarget = null; // a cart line's index, or "order"

function askDiscount(target) {
  if (!state.cart.length) return;
  discountTarget = target;
  const current = target === "order" ? state.orderDiscount : state.cart[target].discount;
  $("discount-title").textContent = target === "order" ? t("order_discount_prompt") : t("discount_prompt");
  $("discount-input").value = !current ? "" : current.percent !== undefined ? `${current.percent}%` : money(current.amount).replace(/^(Rp|IDR)\s?/, "");
  $("discount-error").hidden = true;
  $("discount-dialog").showModal();
  $("discount-input").focus();
}

function totalsWith(target, discount) {
  // The cart's totals were this discount given.
  if (target === "order") {
    const previous = state.orderDiscount;
    state.orderDiscount = discount;
    try { return totals(); } finally { state.orderDiscount = previous; }
  }
  const line = state.cart[target];
  const previous = line.discount;
  line.discount = discount;
  try { return totals(); } finally { line.discount = previous; }
}

function discountProblem(target, discount) {
  // Why this discount cannot be given, or "" when it can.
  if (discount === undefined) return t("discount_invalid");
  if (!discount) return "";
  const sums = totalsWith(target, discount);
  if (target === "order") {
    const afterLines = sums.lines.reduce((sum, l) => sum + l.total, 0);
    if (discount.amount > afterLines) return t("discount_invalid");
  } else {
    const line = state.cart[target];
    const gross = line.product.price * line.quantity;
    const amount = lineDiscount({ ...line, discount });
    if (amount > gross) return t("discount_invalid");
    if (!withinLimit(gross, amount)) return t("over_limit", { n: cfg.discountLimit });
  }
  if (!withinLimit(sums.subtotal, sums.discount)) return t("over_limit", { n: cfg.discountLimit });
  return "";
}

function applyDiscount(text) {
  const discount = parseDiscount(text);
  const problem = discountProblem(discountTarget, discount);
  if (problem) {
    $("discount-error").textContent = problem;
    $("discount-error").hidden = false;
    return;
  }
  if (discountTarget === "order") state.orderDiscount = discount;
  else state.cart[discountTarget].discount = discount;
  $("discount-dialog").close();
  changed();
}

$("discount-apply").addEventListener("click", () => applyDiscount($("discount-input").value));
$("discount-remove").addEventListener("click", () => applyDiscount(""));
$("discount-cancel").addEventListener("click", () => $("discount-dialog").close());
$("discount-input").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    applyDiscount($("discount-input").value);
  }
});
for (const quick of document.querySelectorAll("#discount-quick button")) {
  quick.addEventListener("click", () => applyDiscount(quick.dataset.value));
}

// --- search and scanning ----------------------------------------------------------------

$("search").addEventListener("input", (event) => {
  const query = event.target.value.trim();
  if (query === state.query) return; // a space typed at the end: nothing to search anew
  state.query = query;
  renderGrid();
});

function scanned(code) {
  // A code from the scanner (typed, then Enter) or the camera: the item goes into the
  // cart, or the register says which code it does not know; the field is cleared either
  // way, ready for the next scan.
  const product = state.products.find((p) => p.sku.toLowerCase() === code.toLowerCase());
  $("search").value = "";
  state.query = "";
  renderGrid();
  if (product) {
    addToCart(product);
    $("catalogue-message").textContent = "";
  } else {
    $("catalogue-message").textContent = t("scanned_unknown", { sku: code });
  }
}

$("search").addEventListener("keydown", (event) => {
  if (event.key !== "Enter") return;
  event.preventDefault();
  const code = event.target.value.trim();
  if (code) scanned(code);
});

let cameraScan = null;

$("camera").hidden = !cameraAvailable();
$("camera").addEventListener("click", async () => {
  cameraScan = new AbortController();
  $("camera-error").hidden = true;
  $("camera-dialog").showModal();
  try {
    const code = await scan($("camera-video"), cameraScan.signal);
    $("camera-dialog").close();
    if (code) scanned(code);
  } catch {
    $("camera-error").textContent = t("camera_failed");
    $("camera-error").hidden = false;
  }
});
$("camera-close").addEventListener("click", () => {
  cameraScan?.abort();
  $("camera-dialog").close();
});
$("camera-dialog").addEventListener("close", () => cameraScan?.abort());

for (const chip of document.querySelectorAll("#category-chips .chip")) {
  chip.addEventListener("click", () => {
    state.category = chip.dataset.category;
    for (const other of document.querySelectorAll("#category-chips .chip")) other.classList.toggle("active", other === chip);
    renderGrid();
  });
}

$("order-discount").addEventListener("click", () => askDiscount("order"));
$("clear").addEventListener("click", () => {
  state.cart = [];
  state.orderDiscount = null;
  state.refused.clear();
  changed();
});

// --- checkout ---------------------------------------------------------------------------

function due() {
  const paid = state.payments.reduce((s, p) => s + p.amount, 0);
  return totals().total - paid;
}

function renderCheckout() {
  const total = totals().total;
  $("checkout-total").textContent = money(total);
  const list = $("payments");
  list.replaceChildren();
  state.payments.forEach((payment, index) => {
    const remove = el("button", { type: "button", class: "link-button danger" }, t("remove"));
    remove.addEventListener("click", () => { state.payments.splice(index, 1); renderCheckout(); });
    list.append(
      el("li", { "data-method": payment.method },
        el("span", {}, cfg.methods[payment.method], payment.reference ? ` · ${payment.reference}` : ""),
        el("strong", {}, money(payment.amount)), remove),
    );
  });
  const left = due();
  $("due-label").textContent = left >= 0 ? t("due") : t("change");
  $("due").textContent = money(Math.abs(left));
  $("due").classList.toggle("change", left < 0);
  // With nothing entered, Complete takes what is due in the chosen method: a sale paid
  // exactly is tile → Pay → Complete, and the method and amount can still be changed.
  $("complete").disabled = false;
  $("complete").textContent = left > 0 ? t("complete_with", { method: cfg.methods[state.method], amount: money(left) }) : $("complete").dataset.label;
  // Quick amounts, for cash only: the exact amount due, and the notes a buyer hands over.
  const quick = $("quick-cash");
  quick.replaceChildren();
  quick.hidden = state.method !== "cash" || left <= 0;
  if (left > 0 && state.method === "cash") {
    const options = [left];
    for (const note of [50_000, 100_000, 200_000, 500_000, 1_000_000]) {
      const rounded = Math.ceil(left / note) * note;
      if (rounded > left && !options.includes(rounded)) options.push(rounded);
    }
    options.slice(0, 5).forEach((amount, i) => {
      const button = el("button", { type: "button", class: "btn quick" }, i === 0 ? `${t("exact")} ${money(amount)}` : money(amount));
      button.addEventListener("click", () => addPayment(amount));
      quick.append(button);
    });
  }
  $("amount").value = left > 0 ? money(left).replace(/^(Rp|IDR)\s?/, "") : "";
  $("reference").hidden = state.method === "cash";
}

function addPayment(amount) {
  if (!(amount > 0)) return;
  const left = due();
  if (left <= 0) return;
  // Only cash can be more than what is due (the rest comes back as change).
  const value = state.method === "cash" ? amount : Math.min(amount, left);
  state.payments.push({ method: state.method, amount: value, reference: $("reference").value.trim() });
  $("reference").value = "";
  renderCheckout();
}

for (const button of document.querySelectorAll(".methods .method")) {
  button.addEventListener("click", () => {
    state.method = button.dataset.method;
    for (const other of document.querySelectorAll(".methods .method")) other.classList.toggle("active", other === button);
    renderCheckout();
  });
}

$("add-payment").addEventListener("click", () => addPayment(parseAmount($("amount").value)));
$("amount").addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    addPayment(parseAmount($("amount").value));
  }
});

function openCheckout() {
  state.payments = [];
  state.method = "cash";
  for (const other of document.querySelectorAll(".methods .method")) other.classList.toggle("active", other.dataset.method === "cash");
  $("checkout-error").hidden = true;
  renderCheckout();
  $("checkout").showModal();
}

let shiftKnown = Promise.resolve();

$("pay").addEventListener("click", async () => {
  // The first sale of a register opens its shift: the float is asked once. A Pay tapped
  // while the page still asks the server about the shift waits for its answer.
  await shiftKnown;
  if (!state.shift && state.openingFloat === null) return askFloat();
  openCheckout();
});
$("checkout-back").addEventListener("click", () => $("checkout").close());

function askFloat() {
  $("shift-float").value = "";
  $("shift-error").hidden = true;
  $("shift-dialog").showModal();
  $("shift-float").focus();
}

$("shift-cancel").addEventListener("click", () => $("shift-dialog").close());
$("shift-open-confirm").addEventListener("click", async () => {
  const typed = $("shift-float").value.trim();
  const opening = typed ? parseAmount(typed) : 0;
  if (!Number.isFinite(opening) || opening < 0) {
    $("shift-error").textContent = t("float_invalid");
    $("shift-error").hidden = false;
    return;
  }
  const answer = await api("POST", "/api/v1/shifts", { exhibitor_id: cfg.exhibitorId, opening_float: opening }).catch(() => null);
  if (answer?.status === 201) {
    state.shift = answer.payload;
    localStorage.setItem(SHIFT_KEY, JSON.stringify({ id: state.shift.id, opened_at: state.shift.opened_at }));
  } else if (answer?.status === 409) {
    await loadShift(); // opened meanwhile on another tablet
  } else if (answer?.status === 401) {
    $("shift-dialog").close();
    return signedOut();
  } else if (answer && answer.status >= 400) {
    $("shift-error").textContent = answer.payload?.message || t("network");
    $("shift-error").hidden = false;
    return;
  } else {
    state.openingFloat = opening; // offline: the server opens the shift with it
  }
  renderShift();
  $("shift-dialog").close();
  if (state.cart.length) openCheckout();
});

function newToken() {
  // The buyer's link token: 144 random bits, URL-safe.
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : newToken();
}

function saleBody() {
  const body = {
    exhibitor_id: cfg.exhibitorId,
    items: state.cart.map((line) => {
      const item = { product_id: line.product.id, quantity: line.quantity, unit_price: line.product.price };
      if (line.discount?.percent !== undefined) item.discount_percent = line.discount.percent;
      else if (line.discount) item.discount_amount = line.discount.amount;
      return item;
    }),
    payments: state.payments.map((p) => (p.reference ? p : { method: p.method, amount: p.amount })),
  };
  if (state.orderDiscount?.percent !== undefined) body.discount_percent = state.orderDiscount.percent;
  else if (state.orderDiscount) body.discount_amount = state.orderDiscount.amount;
  const buyer = {
    name: $("buyer-name").value.trim() || null,
    phone: $("buyer-phone").value.trim() || null,
    email: $("buyer-email").value.trim() || null,
    origin: $("buyer-origin").value || null,
  };
  if (Object.values(buyer).some(Boolean)) body.buyer = buyer;
  return body;
}

function showError(message) {
  $("checkout-error").textContent = message;
  $("checkout-error").hidden = false;
}

let completing = false;

$("complete").addEventListener("click", async () => {
  if (completing) return;
  if (due() > 0) addPayment(due()); // nothing typed: exactly what is due, chosen method
  if (due() > 0) return;
  completing = true;
  $("complete").disabled = true;
  $("checkout-error").hidden = true;
  $("complete").textContent = t("saving");
  try {
    await completeSale(saleBody(), new Date());
  } finally {
    completing = false;
    $("complete").disabled = false;
    if ($("checkout").open) renderCheckout();
  }
});

async function completeSale(body, madeAt) {
  const token = newToken();
  if (state.online && state.waiting === 0) {
    // Live: the server may still refuse (stock, price) while the buyer is here.
    let answer = await postJson("/api/v1/sales", { ...body, public_token: token }, { "Idempotency-Key": newKey(), "X-CSRFToken": csrfToken });
    let outcome = verdict(answer);
    if (outcome === "csrf" && (await session.renew())) {
      answer = await postJson("/api/v1/sales", { ...body, public_token: token }, { "Idempotency-Key": newKey(), "X-CSRFToken": csrfToken });
      outcome = verdict(answer);
    }
    if (outcome === "recorded") return saleDone(answer.payload, null);
    if (outcome === "signed_out") return signedOut();
    if (outcome === "refused") return refused(answer.payload || {});
    online(false); // no answer in time: the sale goes on offline, recognised by its token
  }
  await keepOffline(body, token, madeAt);
}

async function keepOffline(body, token, madeAt) {
  const device = await storage.loadDevice(cfg.exhibitorId).catch(() => null);
  if (!device) return showError(t("no_device"));
  const offline = { recorded_at: madeAt.toISOString(), public_token: token };
  if (state.shift?.id) offline.shift_id = state.shift.id;
  else if (state.openingFloat !== null) offline.opening_float = state.openingFloat;
  const entry = await storage.keepSale(cfg.exhibitorId, newKey(), (numbering) => ({
    ...body,
    offline: { device: numbering.device, number: numbering.number, ...offline },
  }));
  await refreshOutbox();
  saleDone(offlineAnswer(entry), entry);
  kickSender();
}

function offlineAnswer(entry) {
  // What the done screen shows of a sale kept on the tablet, as the server would answer.
  const sums = totals();
  const paid = state.payments.reduce((s, p) => s + p.amount, 0);
  return {
    receipt_number: null,
    offline_number: entry.number,
    total: sums.total,
    paid,
    change: paid - sums.total,
    buyer: entry.body.buyer || {},
    public_receipt_url: `/r/${entry.body.offline.public_token}`,
    receipt_url: null,
    lines: entry.body.items.map((i) => ({ product_id: i.product_id, quantity: i.quantity })),
  };
}

function refused(error) {
  // The server said no: nothing was recorded. Name the product and mark its line.
  const product = state.products.find((p) => p.id === error.product_id);
  if (error.error === "insufficient_stock" && product) {
    product.stock = error.available;
    state.refused.add(product.id);
    changed();
    return showError(t("stock_changed", { name: product.name, n: error.available }));
  }
  if (error.error === "price_changed" && product) {
    product.price = error.price;
    state.refused.add(product.id);
    changed();
    renderCheckout();
    return showError(error.message);
  }
  if (error.error === "not_sellable" && product) {
    state.refused.add(product.id);
    changed();
  }
  showError(error.message || t("network"));
}

// The receipt of the last sale, printed in one tap where this tablet prints
// (register/printing.js): the server's receipt once it has the sale, else the tablet's
// own, offline number and all, drawn from what the cart held.
const printing = setupPrinting({
  t,
  exhibitorId: cfg.exhibitorId,
  receiptContext,
  csrf: () => csrfToken,
  online: () => state.online && navigator.onLine,
});

function offlineReceiptOf(entry) {
  const sums = totals(); // the cart still holds the sale
  return offlineReceipt(receiptContext, {
    offline_number: entry.number,
    recorded_at: entry.body.offline.recorded_at,
    public_token: entry.body.offline.public_token,
    lines: state.cart.map((line, i) => ({
      name: line.product.name,
      sku: line.product.sku,
      quantity: line.quantity,
      unit_price: entry.body.items[i].unit_price,
      discount: sums.lines[i].discount,
    })),
    order_discount: sums.discount - sums.lines.reduce((s, l) => s + l.discount, 0),
    payments: state.payments,
    buyer_name: entry.body.buyer?.name || "",
  });
}

function saleDone(sale, entry) {
  $("checkout").close();
  state.refused.clear();
  if (!entry) {
    for (const line of sale.lines) {
      const product = state.products.find((p) => p.id === line.product_id);
      if (product) product.stock -= line.quantity;
    }
  }
  const numbers = [sale.receipt_number ? `${t("receipt_number")} ${sale.receipt_number}` : null, sale.offline_number].filter(Boolean);
  $("done-number").textContent = numbers.join(" · ");
  $("done-offline").hidden = !entry;
  $("done-change").textContent = money(sale.change);
  $("done-total").textContent = `${money(sale.total)} · ${t("paid")} ${money(sale.paid)}`;
  const receipt = entry ? offlineReceiptOf(entry) : null;
  printing.saleDone({ saleId: entry ? null : sale.id, receipt, number: sale.receipt_number || sale.offline_number });
  $("show-receipt").hidden = Boolean(entry); // the buyer's link works once the sale arrives
  $("show-receipt").href = sale.public_receipt_url;
  $("done-qr").src = receipt ? qrDataUrl(receipt.qr_url) : `${sale.public_receipt_url}/qr.svg`;
  const phone = ((sale.buyer || {}).phone || "").replace(/[^0-9]/g, "").replace(/^0/, "62");
  // The buyer's link as the receipts print it (POS_PUBLIC_URL, else a checked host:
  // pos/links.py), not this tablet's own address.
  const link = receiptContext.public_base
    ? receiptContext.public_base + sale.public_receipt_url
    : new URL(sale.public_receipt_url, window.location.origin).href;
  $("share-whatsapp").hidden = !phone;
  if (phone) $("share-whatsapp").href = `https://wa.me/${phone}?text=${encodeURIComponent(`${sale.receipt_number || sale.offline_number}: ${link}`)}`;
  // The sale is done: the cart goes (it is on the server or in the outbox).
  state.cart = [];
  state.orderDiscount = null;
  localStorage.removeItem(CART_KEY);
  $("done").showModal();
}

$("new-sale").addEventListener("click", () => {
  state.payments = [];
  for (const id of ["buyer-name", "buyer-phone", "buyer-email", "buyer-origin"]) $(id).value = "";
  $("done").close();
  changed();
  $("search").focus();
});

$("open-shift").addEventListener("click", askFloat);

// --- the outbox and the connection --------------------------------------------------------

async function refreshOutbox() {
  const entries = await storage.outbox(cfg.exhibitorId).catch(() => []);
  const waiting = entries.filter((e) => e.state === "waiting");
  state.waiting = waiting.length;
  state.attention = entries.filter((e) => e.state === "attention");
  state.pending = new Map();
  for (const entry of waiting) {
    for (const item of entry.body.items) state.pending.set(item.product_id, (state.pending.get(item.product_id) || 0) + item.quantity);
  }
  renderStatus();
  renderGrid(); // what is left depends on the waiting sales
}

function online(yes) {
  if (state.online === yes) return;
  state.online = yes;
  renderStatus();
  if (yes) kickSender();
}

function signedOut() {
  state.signedOut = true;
  renderStatus();
  $("checkout").close();
}

function renderStatus() {
  const box = $("outbox");
  box.dataset.count = String(state.waiting);
  box.dataset.attention = String(state.attention.length);
  $("outbox-count").textContent = state.waiting ? t("waiting", { n: state.waiting }) : t("all_sent");
  $("outbox-attention").hidden = !state.attention.length;
  $("outbox-attention").textContent = t("attention", { n: state.attention.length });
  box.classList.toggle("has-waiting", state.waiting > 0);
  const bar = $("connection");
  bar.hidden = state.online && !state.signedOut;
  if (state.signedOut) {
    $("connection-text").textContent = t("signed_out");
    $("sign-in-again").hidden = false;
  } else {
    const age = state.catalogueAge ? clock(new Date(state.catalogueAge)) : "—";
    $("connection-text").textContent = t("offline", { time: age });
    $("sign-in-again").hidden = true;
  }
  document.body.classList.toggle("is-offline", !state.online);
}

let backoff = 5000;
let senderTimer = null;

async function kickSender() {
  clearTimeout(senderTimer);
  if (!navigator.onLine) {
    // No network at all: nobody to send to. The "online" event kicks the sender again.
    online(false);
    return;
  }
  const outcome = await sendWaiting(cfg.exhibitorId, session, ({ sale }) => {
    if (sale) online(true);
  }).catch(() => "retry");
  await refreshOutbox();
  if (outcome === "done") {
    backoff = 5000;
    return;
  }
  if (outcome === "signed_out") return signedOut();
  if (outcome === "busy") {
    // Another tab is sending: look again shortly (its sales are this tablet's too).
    senderTimer = setTimeout(kickSender, 2000);
    return;
  }
  online(false); // the server did not answer: try again later, less and less often
  senderTimer = setTimeout(kickSender, backoff);
  backoff = Math.min(backoff * 2, 60000);
}

window.addEventListener("online", () => {
  backoff = 5000;
  refreshCatalogue();
  kickSender();
});
window.addEventListener("offline", () => online(false));
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") { refreshCatalogue(); kickSender(); }
});

$("outbox-attention").addEventListener("click", () => showAttention());
$("outbox-export").addEventListener("click", exportWaiting);
$("attention-close").addEventListener("click", () => $("attention-dialog").close());

function showAttention() {
  const list = $("attention-list");
  list.replaceChildren();
  for (const entry of state.attention) {
    const paid = entry.body.payments.reduce((s, p) => s + p.amount, 0);
    const item = el("li", { class: "attention-item", "data-number": entry.number },
      el("strong", { class: "mono" }, entry.number), " · ", money(paid), el("br"),
      el("span", { class: "hint" }, entry.message));
    if (cfg.role !== "cashier") {
      // A manager may discard it, with a reason the server keeps in the audit log.
      const reason = el("input", { type: "text", "aria-label": t("discard_reason"), placeholder: t("discard_reason") });
      const discard = el("button", { type: "button", class: "btn btn-small" }, t("discard"));
      discard.addEventListener("click", () => discardWaiting(entry, reason.value.trim(), item));
      item.append(el("div", { class: "amount-row" }, reason, discard));
    }
    list.append(item);
  }
  $("attention-dialog").showModal();
}

async function discardWaiting(entry, reason, item) {
  if (!reason) return item.querySelector("input").focus();
  const answer = await api("POST", "/api/v1/sales/discards", { exhibitor_id: cfg.exhibitorId, number: entry.number, reason, sale: entry.body }).catch(() => null);
  if (answer?.status === 204) {
    await storage.forget(entry.key);
    await refreshOutbox();
    item.remove();
  } else {
    item.append(el("p", { class: "flash flash-error" }, answer?.payload?.message || t("network")));
  }
}

async function exportWaiting() {
  // For a tablet that will not reach the server before it is needed elsewhere: the
  // waiting sales as a file the server imports with the same idempotency.
  const entries = await storage.outbox(cfg.exhibitorId);
  const file = new Blob([JSON.stringify({ exhibitor_id: cfg.exhibitorId, exported_at: new Date().toISOString(), sales: entries.map((e) => ({ key: e.key, number: e.number, state: e.state, message: e.message, body: e.body })) }, null, 2)], { type: "application/json" });
  const link = el("a", { href: URL.createObjectURL(file), download: `waiting-sales-${cfg.booth}-${new Date().toISOString().slice(0, 10)}.json` });
  document.body.append(link);
  link.click();
  link.remove();
}

// The register's own service worker: the page and its files from the tablet when the
// server cannot be reached.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
}

// In portrait the cart is a bar over the bottom of the page: the page keeps room for it.
new ResizeObserver(([entry]) => {
  document.documentElement.style.setProperty("--cart-height", `${Math.ceil(entry.borderBoxSize[0].blockSize)}px`);
}).observe(document.querySelector(".cart"));

async function keepThisPage() {
  // The service worker keeps the register as it last served it, but a page reached by a
  // redirect (after signing in, or switching the language) never passed through it: keep
  // this page now, so that the next load works without the network.
  if (!("caches" in window) || !navigator.onLine) return;
  try {
    const response = await fetch(location.href, { credentials: "same-origin" });
    if (response.ok && !response.redirected) await (await caches.open("pameran-pages")).put(location.href, response);
  } catch {
    // offline after all: the copy kept before stays
  }
}

async function start() {
  $("complete").dataset.label = $("complete").textContent;
  renderCart();
  const device = ensureDevice();
  await refreshOutbox();
  shiftKnown = loadShift(); // beside the catalogue, not after it
  await loadProducts();
  await shiftKnown;
  await device;
  await keepThisPage();
  const persistent = await storage.persistStorage().catch(() => false);
  $("storage-warning").hidden = persistent || !window.isSecureContext;
  $("insecure-warning").hidden = window.isSecureContext;
  root.dataset.ready = "1";
  kickSender();
  setInterval(() => { if (document.visibilityState === "visible" && state.online) refreshCatalogue(); }, 20000);
}

start();
