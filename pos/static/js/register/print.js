// Printing at the booth from the tablet's browser, without opening a tab: a receipt drawn
// here as HTML for 80 mm or 58 mm paper (a sale made offline, before the server has it,
// or any sale whose receipt content the server sends), and the server's PDFs printed in
// place. Every document is built in one hidden same-origin <iframe> and printed with its
// window's print(); no inline script or style (the CSP forbids both): the receipt's look
// is static/css/receipt-print.css. docs/PRINTING.md says what happens on which tablet.
//
//   printReceipt(receipt, {paper})        print a receipt (the shape of
//                                         GET /api/v1/sales/<id>/receipt.json) as HTML
//   offlineReceipt(context, sale)         the receipt of a sale kept on the tablet, from
//                                         the register's data-receipt context
//   printSaleReceipt(saleId, {copy, paper})  a recorded sale's receipt, in place
//   printPdf(url)                         a PDF of this server, in place where the browser
//                                         can, else opened in a new tab
//   qrDataUrl(text)                       an SVG data: URL of a QR code (img src)
//   paperSetting(), choosePaper(paper)    the paper width this tablet prints on
import qrcode from "../../vendor/qrcode-generator-2.0.4/qrcode.js";

export const PAPERS = {
  // Width and margins as the PDF receipts have them (pos/receipts/pdf.py).
  "80mm": { width: 80 },
  "58mm": { width: 58 },
};
export const FRAME_ID = "print-frame";
const STYLESHEET = new URL("../../css/receipt-print.css", import.meta.url).href;
const PAPER_KEY = "pameran-paper";
const LOAD_TIMEOUT_MS = 30000;
const SVG = "http://www.w3.org/2000/svg";
const MINUS = "\u2212";

export class PrintError extends Error {
  // `reason`: "refused" (the server said no; `message` is its words), "network" (no
  // answer), "not_a_document" (the answer was no PDF).
  constructor(reason, message = "") {
    super(message || reason);
    this.reason = reason;
  }
}

// --- what the browser can do ----------------------------------------------------------

function appleMobile(nav) {
  // iPadOS presents itself as a Mac, but a Mac has no touch screen.
  return /iPad|iPhone|iPod/.test(nav.userAgent) || (nav.platform === "MacIntel" && nav.maxTouchPoints > 1);
}

// Chromium's PDF viewer prints a same-origin PDF frame from its window's print(). Safari
// on iPad and iPhone shows a PDF in a frame as a picture of its first page and prints the
// whole page around it; Chrome on Android has no PDF viewer in a frame. Those open it.
export function pdfPrintsInPlace(nav = navigator) {
  return Boolean(nav.pdfViewerEnabled) && /Chrome\//.test(nav.userAgent) && !/Android/.test(nav.userAgent) && !appleMobile(nav);
}

// An HTML frame prints on its own in Chromium (Android included), Safari and Firefox.
// The other browsers of iPad and iPhone (Chrome, Firefox, Edge there) print the whole
// page instead, so they get the PDF.
export function htmlPrintsInPlace(nav = navigator) {
  return !(appleMobile(nav) && /CriOS|FxiOS|EdgiOS|OPiOS/.test(nav.userAgent));
}

// --- the paper of this tablet ------------------------------------------------------------

export function paperSetting() {
  try {
    const kept = localStorage.getItem(PAPER_KEY);
    return kept in PAPERS ? kept : "80mm";
  } catch {
    return "80mm";
  }
}

export function choosePaper(paper) {
  if (!(paper in PAPERS)) throw new RangeError(`paper is 80mm or 58mm, not ${paper}`);
  try {
    localStorage.setItem(PAPER_KEY, paper);
  } catch {
    // private mode: the choice lasts for this page only
  }
}

// --- money, tax and time, written as the server writes them -------------------------

export function money(amount, currency, locale) {
  const digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits;
  const value = amount / 10 ** digits;
  if (currency === "IDR") {
    const n = value.toLocaleString(locale === "id" ? "id-ID" : "en-US", { maximumFractionDigits: 0 });
    return locale === "id" ? `Rp${n}` : `IDR\u00a0${n}`;
  }
  return new Intl.NumberFormat(locale, { style: "currency", currency }).format(value);
}

// The tax inside a tax-inclusive total: total − round_half_up(total × 100 / (100 + rate)),
// as pos/money.py included_tax (whole-number rates).
export function includedTax(total, ratePercent) {
  if (!ratePercent) return 0;
  const divisor = 100 + ratePercent;
  return total - Math.floor((2 * total * 100 + divisor) / (2 * divisor));
}

// "06/09/2025 10:15 WITA", as pos/formats.py format_stamp.
export function localTime(moment, timeZone, zoneName) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  for (const part of format.formatToParts(new Date(moment))) parts[part.type] = part.value;
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute} ${zoneName}`.trim();
}

// --- the receipt of a sale kept on the tablet ----------------------------------------

// `context`: the register's data-receipt (pos/receipts/service.py register_receipt_context).
// `sale`: {offline_number, recorded_at, public_token, lines: [{name, sku, quantity,
// unit_price, discount}], order_discount, payments: [{method, amount, reference}],
// buyer_name, receipt_number (once the server gave one), cashier (default: the page's)}.
// Discounts are money, as the cart priced them. Answers the shape printReceipt takes.
export function offlineReceipt(context, sale) {
  const lines = sale.lines.map((line) => ({
    name: line.name,
    sku: line.sku || "",
    quantity: line.quantity,
    unit_price: line.unit_price,
    discount: line.discount || 0,
    total: line.unit_price * line.quantity - (line.discount || 0),
  }));
  const subtotal = lines.reduce((sum, line) => sum + line.unit_price * line.quantity, 0);
  const lineDiscounts = lines.reduce((sum, line) => sum + line.discount, 0);
  const orderDiscount = sale.order_discount || 0;
  const total = subtotal - lineDiscounts - orderDiscount;
  const paid = sale.payments.reduce((sum, payment) => sum + payment.amount, 0);
  const rate = context.tax_rate_percent || 0;
  return {
    locale: context.locale,
    currency: context.currency,
    event_name: context.event_name,
    exhibitor_name: context.exhibitor_name,
    booth: context.booth,
    region: context.region || "",
    address: context.address || "",
    npwp: context.npwp || "",
    number: sale.receipt_number || "",
    offline_number: sale.offline_number || "",
    when: localTime(sale.recorded_at, context.timezone, context.zone_name),
    cashier: sale.cashier || context.cashier,
    lines,
    subtotal,
    line_discount_total: lineDiscounts,
    order_discount: orderDiscount,
    total,
    tax_total: includedTax(total, rate),
    tax_rate_percent: rate,
    tax_lines: rate > 0,
    payments: sale.payments.map((payment) => ({
      label: context.methods[payment.method] || payment.method,
      amount: payment.amount,
      reference: payment.reference || "",
    })),
    change: Math.max(0, paid - total),
    buyer_name: sale.buyer_name || "",
    footer: context.footer || "",
    qr_url: `${context.public_base}/r/${sale.public_token}`,
    marks: [],
    title: "",
    reference_line: "",
    labels: context.labels,
  };
}

// --- the QR code ---------------------------------------------------------------------

// The QR code of `text` as an <svg> of `doc`: one path of the dark modules, with the
// four-module quiet zone readers need, error correction M as on the PDF.
export function qrSvg(doc, text, label = "") {
  const code = qrcode(0, "M");
  code.addData(text);
  code.make();
  const count = code.getModuleCount();
  const size = count + 8;
  let path = "";
  for (let row = 0; row < count; row += 1) {
    let column = 0;
    while (column < count) {
      if (!code.isDark(row, column)) {
        column += 1;
        continue;
      }
      const start = column;
      while (column < count && code.isDark(row, column)) column += 1;
      path += `M${start + 4} ${row + 4}h${column - start}v1h${start - column}z`;
    }
  }
  const svg = doc.createElementNS(SVG, "svg");
  svg.setAttribute("xmlns", SVG);
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  if (label) svg.setAttribute("aria-label", label);
  const paper = doc.createElementNS(SVG, "rect");
  paper.setAttribute("width", String(size));
  paper.setAttribute("height", String(size));
  paper.setAttribute("fill", "#fff");
  const modules = doc.createElementNS(SVG, "path");
  modules.setAttribute("d", path);
  modules.setAttribute("fill", "#000");
  svg.append(paper, modules);
  return svg;
}

export function qrDataUrl(text) {
  const markup = new XMLSerializer().serializeToString(qrSvg(document, text));
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(markup)}`;
}

// --- the receipt as HTML -------------------------------------------------------------

function element(doc, tag, className, text) {
  const node = doc.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text; // never markup: "<b>" prints as typed
  return node;
}

function row(doc, label, value, className = "") {
  const line = element(doc, "div", `row ${className}`.trim());
  line.append(element(doc, "span", "label", label), element(doc, "span", "value", value));
  return line;
}

function mark(doc, text) {
  // "SALINAN · dicetak 06/09/2025 10:20 WITA": the word boxed, the time small beneath.
  const cut = text.indexOf(" · ");
  const box = element(doc, "div", "mark");
  box.append(element(doc, "strong", "", cut < 0 ? text : text.slice(0, cut)));
  if (cut >= 0) box.append(element(doc, "small", "", text.slice(cut + 3)));
  return box;
}

// The receipt's content as the roll PDF lays it out (pos/receipts/pdf.py _receipt_on_roll).
export function buildReceipt(doc, receipt) {
  const words = receipt.labels;
  const cash = (amount) => money(amount, receipt.currency, receipt.locale);
  const root = element(doc, "article", "receipt");
  root.lang = receipt.locale;
  const add = (...nodes) => root.append(...nodes);
  const rule = () => add(element(doc, "hr"));
  for (const text of receipt.marks || []) add(mark(doc, text));

  add(element(doc, "p", "event", receipt.event_name));
  add(element(doc, "h1", "exhibitor", receipt.exhibitor_name));
  add(element(doc, "p", "center", `${words.booth} ${receipt.booth}${receipt.region ? ` · ${receipt.region}` : ""}`));
  if (receipt.address) add(element(doc, "p", "center small", receipt.address));
  if (receipt.npwp) add(element(doc, "p", "center small", `NPWP ${receipt.npwp}`));
  rule();
  if (receipt.title) add(element(doc, "p", "title", receipt.title));
  if (receipt.number) add(row(doc, words.number, receipt.number, "strong number"));
  if (receipt.offline_number) add(row(doc, words.offline_number, receipt.offline_number, `offline-number${receipt.number ? "" : " strong"}`));
  add(row(doc, words.date, receipt.when));
  add(row(doc, words.cashier, receipt.cashier));
  if (receipt.reference_line) add(element(doc, "p", "", receipt.reference_line));
  rule();

  const lines = element(doc, "ol", "lines");
  for (const line of receipt.lines) {
    const item = element(doc, "li");
    item.append(element(doc, "p", "name", line.name));
    item.append(row(doc, `${line.quantity} × ${cash(line.unit_price)}`, cash(line.quantity * line.unit_price)));
    if (line.discount) {
      item.append(row(doc, words.discount, `${MINUS}${cash(line.discount)}`, "indent"));
      item.append(row(doc, words.amount, cash(line.total), "indent"));
    }
    lines.append(item);
  }
  add(lines);
  rule();

  if (receipt.line_discount_total || receipt.order_discount) add(row(doc, words.subtotal, cash(receipt.subtotal)));
  if (receipt.line_discount_total) add(row(doc, words.line_discounts, `${MINUS}${cash(receipt.line_discount_total)}`));
  if (receipt.order_discount) add(row(doc, words.order_discount, `${MINUS}${cash(receipt.order_discount)}`));
  add(row(doc, words.total, cash(receipt.total), "grand"));
  if (receipt.tax_lines) {
    add(row(doc, words.dpp, cash(receipt.total - receipt.tax_total)));
    add(row(doc, `${words.ppn} ${receipt.tax_rate_percent}%`, cash(receipt.tax_total)));
  }
  if (receipt.payments.length) {
    const payments = element(doc, "div", "payments");
    for (const payment of receipt.payments) {
      payments.append(row(doc, payment.label, cash(payment.amount)));
      if (payment.reference) payments.append(element(doc, "p", "indent small", `${words.reference} ${payment.reference}`));
    }
    if (receipt.change) payments.append(row(doc, words.change, cash(receipt.change), "strong change"));
    add(payments);
  }
  if (receipt.buyer_name) add(row(doc, words.buyer, receipt.buyer_name, "buyer"));
  rule();
  if (receipt.footer) add(element(doc, "p", "center small footer", receipt.footer));
  if (receipt.qr_url) {
    add(element(doc, "p", "center small scan", words.scan));
    const qr = qrSvg(doc, receipt.qr_url, words.scan);
    qr.classList.add("qr");
    add(qr);
  }
  for (const text of receipt.marks || []) add(mark(doc, text));
  return root;
}

// --- the hidden frame ----------------------------------------------------------------

// A new hidden frame of `width` × `height` loading `source` ({src} or {srcdoc}), and a
// promise of its load. One frame at a time: the last print's frame stays until the next
// (a print dialog may still be reading it) and goes then.
function openFrame(width, height, source) {
  document.getElementById(FRAME_ID)?.remove();
  const frame = document.createElement("iframe");
  frame.id = FRAME_ID;
  frame.tabIndex = -1;
  frame.setAttribute("aria-hidden", "true");
  // Through the CSSOM, which the CSP allows (a style attribute it would not). Hidden but
  // laid out: display:none would keep the PDF viewer from loading.
  Object.assign(frame.style, {
    position: "fixed",
    left: "0",
    top: "0",
    width,
    height,
    border: "0",
    visibility: "hidden",
    pointerEvents: "none",
  });
  Object.assign(frame, source);
  // Listening before the frame is in the page: its load is the document's, never the
  // empty one some browsers load first.
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new PrintError("network")), LOAD_TIMEOUT_MS);
    frame.addEventListener(
      "load",
      () => {
        clearTimeout(timer);
        resolve(frame);
      },
      { once: true },
    );
  });
  document.body.append(frame);
  return ready;
}

function attribute(text) {
  return text.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

// Print `receipt` (the shape of GET /api/v1/sales/<id>/receipt.json, or offlineReceipt's)
// on `paper` ("80mm" or "58mm"): one page exactly as long as the receipt. Resolves with
// the frame once the browser's print dialog has been asked for.
export async function printReceipt(receipt, { paper = "80mm" } = {}) {
  const size = PAPERS[paper];
  if (!size) throw new RangeError(`paper is 80mm or 58mm, not ${paper}`);
  // A srcdoc frame is same-origin, under the page's CSP, and served by the page's service
  // worker, so the stylesheet comes from the tablet when the server cannot be reached.
  // Laid out at the paper's width, so that its height is the receipt's.
  const srcdoc = `<!doctype html><html><head><meta charset="utf-8"><link rel="stylesheet" href="${attribute(STYLESHEET)}"></head><body></body></html>`;
  const frame = await openFrame(`${size.width}mm`, "1px", { srcdoc });
  const doc = frame.contentDocument;
  doc.documentElement.lang = receipt.locale;
  doc.title = `${receipt.title || receipt.labels.receipt} ${receipt.number || receipt.offline_number}`;
  doc.body.className = `paper-${paper}`;
  doc.body.append(buildReceipt(doc, receipt));
  fitPage(doc, size.width);
  frame.contentWindow.focus();
  frame.contentWindow.print();
  return frame;
}

function fitPage(doc, widthMm) {
  // A roll has no page length: make the page as long as the receipt, as the PDF is. The
  // rule goes in through the CSSOM (a <style> element would break the CSP).
  const sheet = doc.querySelector("link[rel=stylesheet]")?.sheet;
  if (!sheet) return; // not loaded: the printer's own page size decides
  const heightMm = Math.ceil((doc.documentElement.scrollHeight * 25.4) / 96) + 2;
  sheet.insertRule(`@page { size: ${widthMm}mm ${heightMm}mm; margin: 0; }`, sheet.cssRules.length);
}

// --- the server's PDFs ---------------------------------------------------------------

// GET `url` from this server: {ok, answer} (its JSON, or null); rejects a PrintError
// ("network") when nothing answers.
async function askServer(url) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch {
    throw new PrintError("network");
  }
  return { ok: response.ok, answer: await response.json().catch(() => null) };
}

async function whyNot(url) {
  // A refusal (JSON {"error", "message"}) cannot be read in the frame: the app's pages may
  // frame its PDFs only. Ask once more, by fetch, for the server's words.
  try {
    const { ok, answer } = await askServer(url);
    return ok ? new PrintError("not_a_document") : new PrintError("refused", answer?.message || "");
  } catch (error) {
    return error;
  }
}

function openInTab(url) {
  window.open(url, "_blank", "noopener");
  return Promise.resolve("opened");
}

// Print a PDF of this server (`url`, same origin) without a new tab where the browser
// can (pdfPrintsInPlace); elsewhere open it in a new tab, whose viewer prints it. Call it
// from the tap's own handler: the new tab is opened at once, before anything is awaited,
// so no pop-up blocker stops it. Resolves "printed" or "opened"; rejects a PrintError
// when the server refuses (its message) or does not answer.
export function printPdf(url) {
  if (!pdfPrintsInPlace()) return openInTab(url);
  return openFrame("0", "0", { src: url }).then(async (frame) => {
    // A PDF, or else an answer the frame may not show (a refusal, a sign-in page).
    if (frame.contentDocument?.contentType !== "application/pdf") throw await whyNot(url);
    frame.contentWindow.focus();
    frame.contentWindow.print();
    return "printed";
  });
}

async function receiptContent(url) {
  const { ok, answer } = await askServer(url);
  if (!ok || !answer) throw new PrintError("refused", answer?.message || "");
  return answer;
}

// A recorded sale's receipt (`copy`: marked as a reprint) on `paper`, in place: the kept
// PDF where the browser prints PDFs in place, else the same content as HTML, else (the
// other browsers of iPad and iPhone) the PDF in a new tab. Call it from the tap's handler.
export function printSaleReceipt(saleId, { copy = false, paper = paperSetting() } = {}) {
  const query = new URLSearchParams({ format: paper });
  if (copy) query.set("copy", "1");
  const pdf = `/api/v1/sales/${encodeURIComponent(saleId)}/receipt.pdf?${query}`;
  if (pdfPrintsInPlace()) return printPdf(pdf);
  if (!htmlPrintsInPlace()) return openInTab(pdf);
  const content = `/api/v1/sales/${encodeURIComponent(saleId)}/receipt.json?${query}`;
  return receiptContent(content).then((receipt) => printReceipt(receipt, { paper })).then(() => "printed");
}
