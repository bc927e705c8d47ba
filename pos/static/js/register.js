// The booth register: a product grid, a cart and checkout, talking to the JSON API.
// A sale is sent with an Idempotency-Key made once per cart-and-payments; a retry of the
// same sale after a network error reuses it, so the server records the sale only once.

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
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

const state = {
  products: [],
  category: "",
  query: "",
  cart: [], // {product, quantity, discount: {percent}|{amount}|null}
  orderDiscount: null,
  payments: [], // {method, amount, reference}
  method: "cash",
  attempt: null, // {body, key} of the last checkout attempt
  shift: null,
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
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, ...headers },
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

async function loadProducts() {
  $("catalogue-message").textContent = t("loading");
  try {
    const { ok, payload } = await api("GET", `/api/v1/products?exhibitor_id=${cfg.exhibitorId}`);
    if (!ok) throw new Error(payload?.message);
    state.products = payload.items.filter((p) => p.sellable);
    $("catalogue-message").textContent = "";
  } catch {
    $("catalogue-message").textContent = t("load_failed");
  }
  renderGrid();
}

async function loadShift() {
  const { ok, payload } = await api("GET", `/api/v1/shifts?exhibitor_id=${cfg.exhibitorId}`);
  state.shift = ok ? payload.items.find((shift) => shift.register === "") || null : null;
  renderShift();
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

function inCart(product) {
  return state.cart.filter((l) => l.product.id === product.id).reduce((n, l) => n + l.quantity, 0);
}

function matches(product) {
  if (state.category && product.category !== state.category) return false;
  if (!state.query) return true;
  const q = state.query.toLowerCase();
  // SKU, name and every attribute (artist, motif, material…), choices also by their label.
  const values = Object.values(product.attributes || {}).map((v) => `${v} ${choiceLabel(v)}`);
  const haystack = [product.sku, product.name, ...values].join(" ").toLowerCase();
  return haystack.includes(q);
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
    return el("img", { class: "tile-art tile-photo", src: product.thumbnail_url, alt: "", loading: "lazy", width: 160, height: 160 });
  }
  return el("span", { class: "tile-art", "aria-hidden": "true" }, product.name.slice(0, 1).toUpperCase());
}

function renderGrid() {
  const grid = $("grid");
  grid.replaceChildren();
  const shown = state.products.filter(matches);
  for (const product of shown) {
    const left = product.stock - inCart(product);
    const soldOut = left <= 0;
    const note = stockNote(product, left);
    const tile = el(
      "button",
      {
        type: "button",
        class: `product-tile cat-${product.category}${soldOut ? " sold-out" : ""}${note.level === "low" ? " low-stock" : ""}`,
        disabled: soldOut,
        "data-product-id": product.id,
        "data-sku": product.sku,
      },
      tileArt(product),
      el("span", { class: "tile-name" }, product.name),
      el("span", { class: "tile-price" }, money(product.price)),
      el("span", { class: `tile-stock ${note.level}` }, note.text),
    );
    tile.addEventListener("click", () => addToCart(product));
    const info = el("button", { type: "button", class: "tile-info", "aria-label": t("details", { name: product.name }), "data-sku": product.sku }, "i");
    info.addEventListener("click", () => showItem(product));
    grid.append(el("div", { class: "product-cell" }, tile, info));
  }
  $("catalogue-message").textContent = state.products.length && !shown.length ? t("no_match") : $("catalogue-message").textContent;
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
  const left = product.stock - inCart(product);
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
    plus.disabled = inCart(line.product) >= line.product.stock;
    discount.addEventListener("click", () => askLineDiscount(index));
    remove.addEventListener("click", () => { state.cart.splice(index, 1); changed(); });
    list.append(
      el(
        "li",
        { class: "cart-line", "data-product-id": line.product.id },
        el("div", { class: "line-name" }, line.product.name, el("small", {}, `${line.product.sku} · ${money(line.product.price)}`)),
        el("div", { class: "stepper" }, minus, el("output", { class: "qty" }, String(line.quantity)), plus),
        el("div", { class: "line-total" }, money(info.total), el("small", {}, discount, " ", remove)),
      ),
    );
  });
  $("cart-empty").hidden = state.cart.length > 0;
  $("subtotal").textContent = money(sums.subtotal);
  $("discount").textContent = sums.discount ? `−${money(sums.discount)}` : "";
  $("total").textContent = money(sums.total);
  $("pay").disabled = state.cart.length === 0;
}

function renderShift() {
  const status = $("shift-status");
  if (state.shift) {
    const opened = new Date(state.shift.opened_at);
    const time = opened.toLocaleTimeString(cfg.locale, { hour: "2-digit", minute: "2-digit" });
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
}

// --- cart -------------------------------------------------------------------------------

function addToCart(product) {
  if (inCart(product) >= product.stock) return;
  const line = state.cart.find((l) => l.product.id === product.id && !l.discount);
  if (line) line.quantity += 1;
  else state.cart.push({ product, quantity: 1, discount: null });
  changed();
}

function changeQuantity(index, delta) {
  const line = state.cart[index];
  const next = line.quantity + delta;
  if (next <= 0) state.cart.splice(index, 1);
  else if (delta < 0 || inCart(line.product) < line.product.stock) line.quantity = next;
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

function askLineDiscount(index) {
  const line = state.cart[index];
  const answer = window.prompt(t("discount_prompt"));
  if (answer === null) return;
  const discount = parseDiscount(answer);
  if (discount === undefined) return window.alert(t("discount_invalid"));
  const trial = { ...line, discount };
  const gross = line.product.price * line.quantity;
  if (discount && lineDiscount(trial) > gross) return window.alert(t("discount_invalid"));
  if (discount && !withinLimit(gross, lineDiscount(trial))) return window.alert(t("over_limit", { n: cfg.discountLimit }));
  line.discount = discount;
  changed();
}

function askOrderDiscount() {
  if (!state.cart.length) return;
  const answer = window.prompt(t("order_discount_prompt"));
  if (answer === null) return;
  const discount = parseDiscount(answer);
  if (discount === undefined) return window.alert(t("discount_invalid"));
  const previous = state.orderDiscount;
  state.orderDiscount = discount;
  const sums = totals();
  const afterLines = sums.lines.reduce((s, l) => s + l.total, 0);
  const order = sums.discount - sums.lines.reduce((s, l) => s + l.discount, 0);
  if (discount && (discount.amount > afterLines)) {
    state.orderDiscount = previous;
    return window.alert(t("discount_invalid"));
  }
  if (!withinLimit(afterLines, order)) {
    state.orderDiscount = previous;
    return window.alert(t("over_limit", { n: cfg.discountLimit }));
  }
  renderCart();
}

// --- search and scanning ----------------------------------------------------------------

$("search").addEventListener("input", (event) => {
  state.query = event.target.value.trim();
  renderGrid();
});

$("search").addEventListener("keydown", (event) => {
  // A barcode scanner types the SKU and Enter.
  if (event.key !== "Enter") return;
  event.preventDefault();
  const code = event.target.value.trim().toLowerCase();
  if (!code) return;
  const product = state.products.find((p) => p.sku.toLowerCase() === code);
  if (product) {
    addToCart(product);
    event.target.value = "";
    state.query = "";
    $("catalogue-message").textContent = "";
  } else {
    $("catalogue-message").textContent = t("scanned_unknown", { sku: event.target.value.trim() });
  }
  renderGrid();
});

for (const chip of document.querySelectorAll("#category-chips .chip")) {
  chip.addEventListener("click", () => {
    state.category = chip.dataset.category;
    for (const other of document.querySelectorAll("#category-chips .chip")) other.classList.toggle("active", other === chip);
    renderGrid();
  });
}

$("order-discount").addEventListener("click", askOrderDiscount);
$("clear").addEventListener("click", () => {
  state.cart = [];
  state.orderDiscount = null;
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
  $("complete").disabled = left > 0 || state.payments.length === 0;
  // Quick amounts: the exact amount due, and the notes a buyer would hand over.
  const quick = $("quick-cash");
  quick.replaceChildren();
  if (left > 0) {
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
  $("amount").value = left > 0 ? String(left / scale) : "";
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

$("pay").addEventListener("click", () => {
  state.payments = [];
  $("checkout-error").hidden = true;
  renderCheckout();
  $("checkout").showModal();
});
$("checkout-back").addEventListener("click", () => $("checkout").close());

function saleBody() {
  const body = {
    exhibitor_id: cfg.exhibitorId,
    items: state.cart.map((line) => {
      const item = { product_id: line.product.id, quantity: line.quantity };
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

function keyFor(body) {
  // The same sale keeps its key (a safe retry); a changed cart or payment gets a new one.
  const text = JSON.stringify(body);
  if (!state.attempt || state.attempt.text !== text) {
    state.attempt = { text, key: crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}` };
  }
  return state.attempt.key;
}

function showError(message) {
  $("checkout-error").textContent = message;
  $("checkout-error").hidden = false;
}

$("complete").addEventListener("click", async () => {
  const body = saleBody();
  const key = keyFor(body);
  $("complete").disabled = true;
  $("checkout-error").hidden = true;
  $("complete").textContent = t("saving");
  let result;
  try {
    result = await api("POST", "/api/v1/sales", body, { "Idempotency-Key": key });
  } catch {
    result = null;
  }
  $("complete").textContent = $("complete").dataset.label;
  $("complete").disabled = false;
  if (!result) return showError(t("network"));
  if (result.status === 201) return saleDone(result.payload);
  const error = result.payload || {};
  if (error.error === "insufficient_stock") {
    const product = state.products.find((p) => p.id === error.product_id);
    if (product) product.stock = error.available;
    changed();
    return showError(t("stock_changed", { n: error.available }));
  }
  showError(error.message || t("network"));
});

function saleDone(sale) {
  $("checkout").close();
  for (const line of sale.lines) {
    const product = state.products.find((p) => p.id === line.product_id);
    if (product) product.stock -= line.quantity;
  }
  $("done-number").textContent = `${t("receipt_number")} ${sale.receipt_number}`;
  $("done-change").textContent = money(sale.change);
  $("done-total").textContent = `${money(sale.total)} · ${t("paid")} ${money(sale.paid)}`;
  $("print-receipt").href = sale.receipt_url;
  $("show-receipt").href = sale.public_receipt_url;
  $("done-qr").src = `${sale.public_receipt_url}/qr.svg`;
  const phone = (sale.buyer.phone || "").replace(/[^0-9]/g, "").replace(/^0/, "62");
  const link = new URL(sale.public_receipt_url, window.location.origin).href;
  $("share-whatsapp").hidden = !phone;
  if (phone) $("share-whatsapp").href = `https://wa.me/${phone}?text=${encodeURIComponent(`${sale.receipt_number}: ${link}`)}`;
  $("done").showModal();
}

$("new-sale").addEventListener("click", () => {
  state.cart = [];
  state.orderDiscount = null;
  state.payments = [];
  state.attempt = null;
  for (const id of ["buyer-name", "buyer-phone", "buyer-email", "buyer-origin"]) $(id).value = "";
  $("done").close();
  changed();
  $("search").focus();
});

$("open-shift").addEventListener("click", async () => {
  const answer = window.prompt(t("open_prompt"), "0");
  if (answer === null) return;
  const opening = parseAmount(answer);
  if (!Number.isFinite(opening)) return;
  const { status, payload } = await api("POST", "/api/v1/shifts", { exhibitor_id: cfg.exhibitorId, opening_float: opening });
  if (status === 201) {
    state.shift = payload;
    renderShift();
  } else if (payload?.message) {
    window.alert(payload.message);
  }
});

$("complete").dataset.label = $("complete").textContent;
renderCart();
loadProducts();
loadShift();
