// Where this tablet prints receipts, and the ways there. One choice per tablet (kept in
// localStorage, with the Bluetooth device's id or the serial port's USB ids, so the next
// receipt is one tap):
//
//   "server"     a booth printer on the LAN, printed by the server (needs the network):
//                POST /api/v1/sales/<id>/print, then the job's status until it printed
//   "bluetooth"  a BLE thermal printer, straight from the tablet (Web Bluetooth, Chrome
//                on Android and desktops), ESC/POS made here (escpos.js)
//   "serial"     a serial port: classic Bluetooth (SPP) printers paired with an Android
//                tablet, or a USB printer on a laptop (Web Serial)
//   "rawbt"      the RawBT app on Android, handed the ESC/POS bytes by an intent URL
//   "dialog"     the browser's print dialog with the HTML receipt (print.js): iPad, or
//                anything else without one of the above
//
// The tablet paths work without the network. Web Bluetooth and Web Serial need a secure
// page (HTTPS or localhost) and a tap (the browser's chooser) the first time.

export const KINDS = ["server", "bluetooth", "serial", "rawbt", "dialog"];
const CHOICE_KEY = "pameran-printer";
// Print heads: columns of ESC/POS text (escpos.js COLUMNS).
export const HEADS = ["80mm", "58mm", "72mm"];

// GATT services of BLE thermal printers that take ESC/POS on a writable characteristic:
// 000018f0 (POS-5805, POS-8360, Xprinter, MPT-II and the generic profile of
// WebBluetoothReceiptPrinter, ReceiptPrinterEncoder's sister library), 49535343 (the
// ISSC transparent UART of Epson's TM-P series there), and e7810a71, ff00, fee7 (other
// cheap printers' modules, from community examples). The first writable characteristic
// of the first service the printer has is used.
export const BLE_SERVICES = [
  "000018f0-0000-1000-8000-00805f9b34fb",
  "e7810a71-73ae-499d-8c15-faa9aef0c3f2",
  "49535343-fe7d-4ae5-8fa9-9fafd205e455",
  "0000ff00-0000-1000-8000-00805f9b34fb",
  "0000fee7-0000-1000-8000-00805f9b34fb",
];
// Writes of at most this many bytes: what every BLE link takes without negotiating a
// larger MTU (many printers drop longer writes).
export const BLE_CHUNK = 100;
export const SERIAL_CHUNK = 512;

// --- the choice ----------------------------------------------------------------------------

// {kind, head, printer_id?, name?, device_id?, usb?}; "dialog" on 80 mm until chosen.
export function printerChoice(storage = globalThis.localStorage) {
  try {
    const kept = JSON.parse(storage.getItem(CHOICE_KEY) || "null");
    if (kept && KINDS.includes(kept.kind)) return { ...kept, head: HEADS.includes(kept.head) ? kept.head : "80mm" };
  } catch {
    // unreadable or private mode: the default
  }
  return { kind: "dialog", head: "80mm" };
}

export function choosePrinter(choice, storage = globalThis.localStorage) {
  if (!KINDS.includes(choice.kind)) throw new RangeError(`printer kind is one of ${KINDS.join(", ")}`);
  if (choice.head && !HEADS.includes(choice.head)) throw new RangeError(`print head is one of ${HEADS.join(", ")}`);
  try {
    storage.setItem(CHOICE_KEY, JSON.stringify(choice));
  } catch {
    // private mode: the choice lasts for this page only
  }
  return choice;
}

// What this browser can do: {bluetooth, serial, rawbt, dialog}. RawBT is an Android app.
export function abilities(nav = navigator, secure = globalThis.isSecureContext) {
  return {
    bluetooth: Boolean(secure && nav.bluetooth && nav.bluetooth.requestDevice),
    serial: Boolean(secure && nav.serial && nav.serial.requestPort),
    rawbt: /Android/.test(nav.userAgent),
    dialog: true,
  };
}

export class PrinterError extends Error {
  // `reason`: "unsupported", "cancelled" (the chooser was closed), "no_characteristic"
  // (a Bluetooth device with no known printer service), "write" (the link broke while
  // sending), "network" (no server), "refused" (the server said no: its message).
  constructor(reason, message = "") {
    super(message || reason);
    this.name = "PrinterError";
    this.reason = reason;
  }
}

// --- writing in chunks ---------------------------------------------------------------------

// Send `bytes` through `write` (a function taking a Uint8Array, returning a promise) in
// pieces of at most `size`, one after the other. Answers the number of writes.
export async function writeInChunks(write, bytes, size) {
  let writes = 0;
  for (let start = 0; start < bytes.length; start += size) {
    await write(bytes.subarray(start, Math.min(start + size, bytes.length)));
    writes += 1;
  }
  return writes;
}

// --- Web Bluetooth -------------------------------------------------------------------------

const held = { bluetooth: null, serial: null }; // this page's device and port, once found

// The browser's chooser: printers advertising one of the known services, or named as
// cheap printers commonly are. Call it from a tap.
export async function pickBluetooth(nav = navigator) {
  if (!abilities(nav).bluetooth) throw new PrinterError("unsupported");
  try {
    const device = await nav.bluetooth.requestDevice({
      filters: [
        ...BLE_SERVICES.map((service) => ({ services: [service] })),
        ...["Printer", "MPT", "MTP", "TM-P", "XP-", "PT-", "RPP", "BlueTooth", "POS"].map((namePrefix) => ({ namePrefix })),
      ],
      optionalServices: BLE_SERVICES,
    });
    held.bluetooth = device;
    return device;
  } catch (error) {
    throw new PrinterError(error?.name === "NotFoundError" ? "cancelled" : "unsupported", error?.message);
  }
}

// The device chosen before (by id), without a chooser where the browser remembers
// permissions (getDevices); null when it must be chosen again.
export async function rememberedBluetooth(deviceId, nav = navigator) {
  if (held.bluetooth && (!deviceId || held.bluetooth.id === deviceId)) return held.bluetooth;
  if (!deviceId || !nav.bluetooth?.getDevices) return null;
  const devices = await nav.bluetooth.getDevices().catch(() => []);
  held.bluetooth = devices.find((device) => device.id === deviceId) || null;
  return held.bluetooth;
}

async function printerCharacteristic(server) {
  for (const uuid of BLE_SERVICES) {
    let service;
    try {
      service = await server.getPrimaryService(uuid);
    } catch {
      continue; // not this one
    }
    const characteristics = await service.getCharacteristics();
    const writable = characteristics.find((c) => c.properties.write || c.properties.writeWithoutResponse);
    if (writable) return writable;
  }
  throw new PrinterError("no_characteristic");
}

// Connect to `device` and write `bytes` to its printer characteristic in chunks; with a
// response where the printer offers it (the printer paces the tablet), else without.
export async function sendBluetooth(device, bytes, { chunk = BLE_CHUNK } = {}) {
  let server;
  try {
    server = device.gatt.connected ? device.gatt : await device.gatt.connect();
  } catch (error) {
    throw new PrinterError("write", error?.message);
  }
  const characteristic = await printerCharacteristic(server);
  const write = characteristic.properties.write
    ? (piece) => (characteristic.writeValueWithResponse ? characteristic.writeValueWithResponse(piece) : characteristic.writeValue(piece))
    : (piece) => characteristic.writeValueWithoutResponse(piece);
  try {
    return await writeInChunks(write, bytes, chunk);
  } catch (error) {
    throw new PrinterError("write", error?.message);
  }
}

// --- Web Serial ----------------------------------------------------------------------------

export async function pickSerial(nav = navigator) {
  if (!abilities(nav).serial) throw new PrinterError("unsupported");
  try {
    held.serial = await nav.serial.requestPort();
    return held.serial;
  } catch (error) {
    throw new PrinterError(error?.name === "NotFoundError" ? "cancelled" : "unsupported", error?.message);
  }
}

// The port's identity as the tablet keeps it: USB ids, or the Bluetooth service class.
export function portIdentity(port) {
  const info = port.getInfo ? port.getInfo() : {};
  return {
    usbVendorId: info.usbVendorId ?? null,
    usbProductId: info.usbProductId ?? null,
    bluetoothServiceClassId: info.bluetoothServiceClassId ?? null,
  };
}

export async function rememberedSerial(identity, nav = navigator) {
  if (held.serial) return held.serial;
  if (!identity || !nav.serial?.getPorts) return null;
  const ports = await nav.serial.getPorts().catch(() => []);
  const same = (port) => {
    const mine = portIdentity(port);
    return Object.keys(identity).every((key) => mine[key] === identity[key]);
  };
  held.serial = ports.find(same) || (ports.length === 1 ? ports[0] : null);
  return held.serial;
}

// Open `port` (the baud rate matters to USB-serial printers only; Bluetooth SPP ignores
// it), write `bytes` in chunks, close it again for the next receipt.
export async function sendSerial(port, bytes, { baudRate = 9600, chunk = SERIAL_CHUNK } = {}) {
  try {
    if (!port.writable) await port.open({ baudRate });
    const writer = port.writable.getWriter();
    try {
      const writes = await writeInChunks((piece) => writer.write(piece), bytes, chunk);
      await writer.ready;
      return writes;
    } finally {
      writer.releaseLock();
      await port.close().catch(() => {});
    }
  } catch (error) {
    throw error instanceof PrinterError ? error : new PrinterError("write", error?.message);
  }
}

// --- RawBT ---------------------------------------------------------------------------------

function base64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

// The intent URL by which Chrome on Android hands the bytes to RawBT (RawBT prints them
// on the printer chosen in the app: Bluetooth, USB or network).
export function rawbtUrl(bytes) {
  return `intent:base64,${base64(bytes)}#Intent;scheme=rawbt;package=ru.a402d.rawbtprinter;end;`;
}

// How a URL is opened: replaceable in the tests, where no app answers an intent.
export const launcher = {
  open(url) {
    window.location.href = url;
  },
};

export function sendRawbt(bytes) {
  const url = rawbtUrl(bytes);
  launcher.open(url);
  return url;
}

// --- the server's printers -------------------------------------------------------------------

async function json(method, url, body, headers = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new PrinterError("network");
  }
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw new PrinterError("refused", answer?.message || String(response.status));
  return answer;
}

// The booth's printers on the server: [{id, name, host, port, paper, auto_print, status, last_error}].
export async function serverPrinters(exhibitorId) {
  const answer = await json("GET", `/api/v1/printers?exhibitor_id=${encodeURIComponent(exhibitorId)}`);
  return answer.items || [];
}

export function printOnServer(saleId, printerId, { copy = false, csrf = "" } = {}) {
  return json("POST", `/api/v1/sales/${encodeURIComponent(saleId)}/print`, { printer_id: printerId, copy }, { "X-CSRFToken": csrf });
}

export function testOnServer(printerId, { csrf = "" } = {}) {
  return json("POST", `/api/v1/printers/${encodeURIComponent(printerId)}/test`, {}, { "X-CSRFToken": csrf });
}

export const FINAL = new Set(["printed", "failed"]);

// Follow a print job until it printed or failed, or `patience` polls went by (the queue
// goes on retrying on the server; the register says so). `onStatus` sees each answer.
export async function followJob(jobId, onStatus, { every = 1000, patience = 60 } = {}) {
  let job = null;
  for (let poll = 0; poll < patience; poll += 1) {
    try {
      job = await json("GET", `/api/v1/print-jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      if (error.reason !== "network") throw error;
      job = { id: jobId, status: "unknown" };
    }
    onStatus(job);
    if (FINAL.has(job.status)) return job;
    await new Promise((resolve) => setTimeout(resolve, every));
  }
  return job;
}
