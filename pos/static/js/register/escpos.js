// A receipt as ESC/POS bytes, the command language of nearly every 58/80 mm thermal
// printer, made on the tablet (also offline) for a printer the tablet talks to itself
// (Bluetooth, serial, RawBT). The content and its order are the receipt's as the PDF roll
// lays it out (pos/receipts/pdf.py _receipt_on_roll) and as the server's renderer sends
// it to a LAN printer: the booth header, the lines, discounts, DPP/PPN, payments and
// change, the receipt number and the offline number, the buyer's link as a QR code that
// the printer draws itself (GS ( k), COPY/VOID marks, a cut.
//
// The bytes are made by ReceiptPrinterEncoder (vendored); the text is laid out here in
// monospaced columns: 32 for 58 mm paper, 48 for 80 mm, 42 for an 80 mm printer with a
// 72 mm print head. Text goes out in code page 437, the one every ESC/POS printer starts
// in: letters it has (é, ñ, ü) print as they are, the rest is transliterated (accents
// dropped, typographic dashes, quotes and the minus sign as ASCII), never sent as bytes
// the printer would print as garbage.
//
//   receiptBytes(receipt, {columns})   the receipt (print.js's shape, that is
//                                      GET /api/v1/sales/<id>/receipt.json or
//                                      offlineReceipt's) → Uint8Array
//   testPageBytes(words, {columns})    a short test page → Uint8Array
//   receiptLines(receipt, columns)     the text lines the receipt prints (for the tests)
//   printable(text)                    text as the printer prints it (code page 437)
import ReceiptPrinterEncoder from "../../vendor/receipt-printer-encoder-4.0.1/receipt-printer-encoder.esm.js";
import { money } from "./print.js";

// Characters per line of font A (12 × 24 dots) on each print head.
export const COLUMNS = { "58mm": 32, "72mm": 42, "80mm": 48 };
// Dots per QR module: a 50-character link is 33 modules, 198 dots on 80 mm paper.
const QR_MODULE = { 32: 5, 42: 6, 48: 6 };

// The upper half of code page 850 ("Multilingual Latin 1", ESC t 2), bytes 0x80 … 0xFF.
const CP850_HIGH =
  "\xc7\xfc\xe9\xe2\xe4\xe0\xe5\xe7\xea\xeb\xe8\xef\xee\xec\xc4\xc5\xc9\xe6\xc6\xf4\xf6\xf2\xfb\xf9\xff\xd6\xdc\xf8\xa3\xd8\xd7\u0192" +
  "\xe1\xed\xf3\xfa\xf1\xd1\xaa\xba\xbf\xae\xac\xbd\xbc\xa1\xab\xbb\u2591\u2592\u2593\u2502\u2524\xc1\xc2\xc0\xa9\u2563\u2551\u2557\u255d\xa2\xa5\u2510" +
  "\u2514\u2534\u252c\u251c\u2500\u253c\xe3\xc3\u255a\u2554\u2569\u2566\u2560\u2550\u256c\xa4\xf0\xd0\xca\xcb\xc8\u0131\xcd\xce\xcf\u2518\u250c\u2588\u2584\xa6\xcc\u2580" +
  "\xd3\xdf\xd4\xd2\xf5\xd5\xb5\xfe\xde\xda\xdb\xd9\xfd\xdd\xaf\xb4\xad\xb1\u2017\xbe\xb6\xa7\xf7\xb8\xb0\xa8\xb7\xb9\xb3\xb2\u25a0\xa0";
const CP850 = new Set(CP850_HIGH);

// Where code page 850 has no such character and a plain one reads better (the server's
// SUBSTITUTES, pos/printing/escpos.py).
const SUBSTITUTES = {
  "\u2212": "-", // the minus sign of deductions (−Rp38.500)
  "\u2010": "-",
  "\u2011": "-",
  "\u2013": "-",
  "\u2014": "-",
  "\u00a0": " ", // the space in "IDR 1,250,000"
  "\u202f": " ",
  "\u2009": " ",
  "\u2018": "'",
  "\u2019": "'",
  "\u201c": '"',
  "\u201d": '"',
  "\u2026": "...",
  "\u2022": "*",
  "\u20ac": "EUR",
};
// Letters that do not decompose into a letter and its accents.
const SPELLED = { "\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u0152": "OE", "\u0153": "oe", "\u0131": "i", "\u1e9e": "SS" };

// Text as the printer prints it from code page 850: the characters it has as they are,
// each other one spelled in ASCII (accents dropped: "Łódź" → "Lodz"), else "?". Control
// characters become spaces: a name never moves the print head.
export function printable(text) {
  let out = "";
  for (const char of String(text ?? "")) {
    if (Object.hasOwn(SUBSTITUTES, char)) out += SUBSTITUTES[char];
    else if (char < " " || char === "\x7f") out += " ";
    else if (char <= "~" || CP850.has(char)) out += char;
    else if (Object.hasOwn(SPELLED, char)) out += SPELLED[char];
    else {
      const bare = char.normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
      out += /^[ -~]+$/.test(bare) ? bare : "?";
    }
  }
  return out;
}

// --- laying out monospaced lines -----------------------------------------------------

// Lines of `text` at most `width` characters, as Python's textwrap.wrap lays them out on
// the server (words split at spaces only; a word longer than a line is cut, its first
// piece filling the line it starts on). Spaces inside are collapsed; "" is one empty line.
export function wrap(text, width) {
  const words = printable(text).split(/\s+/).filter(Boolean);
  if (!words.length) return [""];
  const chunks = [];
  words.forEach((word, i) => {
    if (i) chunks.push(" ");
    chunks.push(word);
  });
  chunks.reverse();
  const lines = [];
  while (chunks.length) {
    const line = [];
    let length = 0;
    if (lines.length && chunks[chunks.length - 1] === " ") chunks.pop();
    while (chunks.length && length + chunks[chunks.length - 1].length <= width) {
      length += chunks[chunks.length - 1].length;
      line.push(chunks.pop());
    }
    if (chunks.length && chunks[chunks.length - 1].length > width) {
      const room = width < 1 ? 1 : width - length;
      const word = chunks.pop();
      line.push(word.slice(0, room));
      chunks.push(word.slice(room));
      length += room;
    }
    if (line.length && line[line.length - 1] === " ") line.pop();
    if (line.length) lines.push(line.join(""));
  }
  return lines.length ? lines : [""];
}

// A label on the left and its value against the right edge (the server's Ticket.pair):
// a long label wraps before it; a value too long to leave the label a third of the line
// goes on a line of its own, right-aligned.
export function pair(label, value, width) {
  const right = printable(value).split(/\s+/).filter(Boolean).join(" ");
  const room = width - right.length - 1;
  if (room < Math.min(12, Math.floor(width / 3))) {
    return [...wrap(label, width), ...wrap(right, width).map((part) => part.padStart(width))];
  }
  const indent = String(label).match(/^ */)[0];
  const parts = wrap(label, room - indent.length).map((part) => indent + part);
  const last = parts.pop();
  return [...parts, `${last.padEnd(room)} ${right}`];
}

// --- the receipt as a list of printing steps ------------------------------------------

// The receipt as steps, in the order and styles of the server's render(): text lines
// {text, align, bold, tall, wide, invert}, {qr}, {cut}. The bytes and the tests' view of
// the text both come from this one list.
export function receiptSteps(receipt, columns) {
  const width = columns;
  const words = receipt.labels;
  const cash = (amount) => money(amount, receipt.currency, receipt.locale);
  const less = (amount) => `\u2212${cash(amount)}`;
  const steps = [];
  const put = (lines, style = {}) => {
    for (const line of lines) steps.push({ ...PLAIN, ...style, text: line });
  };
  const text = (value, style = {}) => put(wrap(value, width), style);
  const row = (label, value, style = {}) => put(pair(label, value, width), style);
  const rule = () => put(["-".repeat(width)]);
  const marks = () => {
    // SALINAN / COPY, BATAL / VOID: large, white on black; the time of a reprint beneath.
    for (const mark of receipt.marks || []) {
      const cut = mark.indexOf(" \u00b7 ");
      const word = cut < 0 ? mark : mark.slice(0, cut);
      put(wrap(word, Math.floor(width / 2)).map((part) => ` ${part} `), { align: "center", bold: true, tall: true, wide: true, invert: true });
      if (cut >= 0) text(mark.slice(cut + 3), { align: "center" });
    }
  };

  marks();
  text(receipt.event_name, { align: "center" });
  text(receipt.exhibitor_name, { align: "center", bold: true, tall: true });
  text(`${words.booth} ${receipt.booth}${receipt.region ? ` \u00b7 ${receipt.region}` : ""}`, { align: "center" });
  if (receipt.address) text(receipt.address, { align: "center" });
  if (receipt.npwp) text(`NPWP ${receipt.npwp}`, { align: "center" });
  rule();
  if (receipt.title) text(receipt.title, { align: "center", bold: true });
  // A sale still on the tablet has no receipt number yet: its offline number stands first.
  if (receipt.number) row(words.number, receipt.number, { bold: true });
  if (receipt.offline_number) row(words.offline_number, receipt.offline_number, { bold: !receipt.number });
  row(words.date, receipt.when);
  row(words.cashier, receipt.cashier);
  if (receipt.reference_line) text(receipt.reference_line);
  rule();
  for (const line of receipt.lines) {
    text(line.name, { bold: true });
    row(`${line.quantity} \u00d7 ${cash(line.unit_price)}`, cash(line.quantity * line.unit_price));
    if (line.discount) {
      row(`  ${words.discount}`, less(line.discount));
      row(`  ${words.amount}`, cash(line.total));
    }
  }
  rule();
  if (receipt.line_discount_total || receipt.order_discount) row(words.subtotal, cash(receipt.subtotal));
  if (receipt.line_discount_total) row(words.line_discounts, less(receipt.line_discount_total));
  if (receipt.order_discount) row(words.order_discount, less(receipt.order_discount));
  row(words.total, cash(receipt.total), { bold: true, tall: true });
  if (receipt.tax_lines) {
    row(words.dpp, cash(receipt.total - receipt.tax_total));
    row(`${words.ppn} ${receipt.tax_rate_percent}%`, cash(receipt.tax_total));
  }
  if (receipt.payments?.length) {
    for (const payment of receipt.payments) {
      row(payment.label, cash(payment.amount));
      if (payment.reference) text(`  ${words.reference} ${payment.reference}`);
    }
    if (receipt.change) row(words.change, cash(receipt.change), { bold: true });
  }
  if (receipt.buyer_name) row(words.buyer, receipt.buyer_name);
  rule();
  if (receipt.footer) text(receipt.footer, { align: "center" });
  if (receipt.qr_url) {
    text(words.scan, { align: "center" });
    steps.push({ qr: receipt.qr_url });
  }
  marks();
  steps.push({ cut: true });
  return steps;
}

const PLAIN = { align: "left", bold: false, tall: false, wide: false, invert: false };

// The text lines the receipt prints, as a decoder of its bytes reads them back.
export function receiptLines(receipt, columns) {
  return receiptSteps(receipt, columns).filter((step) => step.text !== undefined).map((step) => step.text);
}

// --- bytes -----------------------------------------------------------------------------

const ALIGN = { left: 0, center: 1, right: 2 };

function encoderFor(columns) {
  return new ReceiptPrinterEncoder({
    language: "esc-pos",
    columns,
    newline: "\n",
    // Epson's numbering of the code tables (850 is ESC t 2), which the printers a booth
    // meets (Epson, Xprinter, Rongta, cheap 58 mm Bluetooth ones) share for 850.
    codepageMapping: "epson",
    feedBeforeCut: 0,
    feedAfterBlock: false, // the line after a QR code is written below, as the server's
  });
}

// Steps into bytes: ESC @ and FS ., code page 850, then each line with its alignment (ESC a, by
// the printer: the text is never padded to centre it), emphasis, size and reversal; the
// QR code by the printer (GS ( k, model 2, error correction M); six lines of feed past the
// cutter and a cut (GS V 0), as the server sends them.
function encodeSteps(steps, columns) {
  // ESC @, then FS . (leave the Chinese double-byte mode many cheap printers start in,
  // where 0x80–0xFF would print as Chinese characters) and font A.
  const encoder = encoderFor(columns).initialize().codepage("cp850");
  let aligned = "left"; // after ESC @
  const align = (to) => {
    if (to !== aligned) encoder.raw([0x1b, 0x61, ALIGN[to]]);
    aligned = to;
  };
  for (const step of steps) {
    if (step.qr) {
      align("center");
      encoder.qrcode(step.qr, { model: 2, size: QR_MODULE[columns] || 6, errorlevel: "m" }).raw([0x0a]);
    } else if (step.cut) {
      encoder.raw([0x1b, 0x61, ALIGN.left, 0x1b, 0x64, 6]).cut("full");
    } else {
      align(step.align);
      encoder.size(step.wide ? 2 : 1, step.tall ? 2 : 1).bold(step.bold).invert(step.invert);
      encoder.line(step.text);
      encoder.invert(false).bold(false).size(1, 1);
    }
  }
  const bytes = encoder.encode();
  // The encoder ends the cut's line with a line feed, which would feed the next receipt.
  const end = bytes.length;
  return end > 3 && bytes[end - 4] === 0x1d && bytes[end - 3] === 0x56 && bytes[end - 1] === 0x0a ? bytes.subarray(0, end - 1) : bytes;
}

export function receiptBytes(receipt, { columns = 48 } = {}) {
  return encodeSteps(receiptSteps(receipt, columns), columns);
}

// A test page: its title, the printer's name, a ruler exactly as wide as the paper's
// columns (its last digit must print at the right edge), accented letters, a QR code.
export function testPageBytes(words, { columns = 48, name = "", link = "" } = {}) {
  const ruler = Array.from({ length: columns }, (_, i) => String((i + 1) % 10)).join("");
  const steps = [];
  const put = (lines, style = {}) => {
    for (const line of lines) steps.push({ ...PLAIN, ...style, text: line });
  };
  put(wrap(words.title, columns), { align: "center", bold: true, tall: true });
  put(["-".repeat(columns)]);
  put(wrap(name, columns));
  put(wrap(`${words.columns}: ${columns}`, columns));
  put([ruler]);
  put(wrap("Café Ñyuh Kuning · Rp1.250.000", columns));
  put(["-".repeat(columns)]);
  if (link) {
    put(wrap(link, columns), { align: "center" });
    steps.push({ qr: link });
  }
  steps.push({ cut: true });
  return encodeSteps(steps, columns);
}
