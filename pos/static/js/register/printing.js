// The register's printing: the printer settings of this tablet (#printer-dialog) and the
// one Print button of the done screen, which prints the last sale's receipt where the
// tablet's choice says (register/printers.js), as ESC/POS (register/escpos.js) or as the
// HTML receipt through the print dialog (register/print.js).
//
// Offline, or for a sale still on the tablet, the booth's server printer cannot print:
// the done screen says so and offers the tablet's own paths, which need no network.
import { COLUMNS, receiptBytes, testPageBytes } from "./escpos.js";
import { offlineReceipt, printReceipt, printSaleReceipt, paperSetting, choosePaper } from "./print.js";
import * as printers from "./printers.js";

const STATUS_WORDS = { unknown: "printer_status_unknown", ready: "printer_status_ready", unreachable: "printer_status_unreachable", out_of_paper: "printer_status_out_of_paper" };
const JOB_WORDS = { queued: "printer_queued", printing: "printer_sending", printed: "printer_printed", retrying: "printer_retrying" };

// `page`: {t, exhibitorId, receiptContext, csrf(), online()}.
export function setupPrinting(page) {
  const $ = (id) => document.getElementById(id);
  const t = page.t;
  const can = printers.abilities();
  let last = null; // {saleId, receipt, number}: the done screen's sale
  let serverList = [];

  // --- what the choice is called ----------------------------------------------------------

  function describe(choice) {
    if (choice.kind === "server") return t("printer_server", { name: choice.name || `#${choice.printer_id}` });
    if (choice.kind === "bluetooth") return choice.name ? t("printer_bluetooth_named", { name: choice.name }) : t("printer_bluetooth");
    return t(`printer_${choice.kind}`);
  }

  function showChoice() {
    const choice = printers.printerChoice();
    $("printer-settings-name").textContent = describe(choice);
    $("print-receipt-target").textContent = describe(choice);
    return choice;
  }

  // --- the settings dialog ------------------------------------------------------------------

  function kindInputs() {
    return [...document.querySelectorAll('#printer-kinds input[name="printer-kind"]')];
  }

  function markChecked() {
    const choice = printers.printerChoice();
    for (const input of kindInputs()) {
      input.checked = input.value === (choice.kind === "server" ? `server:${choice.printer_id}` : choice.kind);
    }
    $("printer-head").value = choice.head;
    $("printer-pick").hidden = !["bluetooth", "serial"].includes(choice.kind);
    const state = [];
    if (choice.kind === "bluetooth" || choice.kind === "serial") state.push(choice.name || t("printer_none_chosen"));
    if (choice.kind === "server") {
      const printer = serverList.find((p) => p.id === choice.printer_id);
      if (printer?.last_error) state.push(t("printer_last_error", { error: printer.last_error }));
    }
    $("printer-state").textContent = state.join(" ");
  }

  function serverOption(printer) {
    const label = document.createElement("label");
    label.className = "printer-kind";
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "printer-kind";
    input.value = `server:${printer.id}`;
    input.dataset.printerId = String(printer.id);
    const text = document.createElement("span");
    const name = document.createElement("strong");
    name.textContent = t("printer_server", { name: printer.name });
    const where = document.createElement("small");
    const state = STATUS_WORDS[printer.status];
    where.textContent = `${printer.host}:${printer.port} · ${printer.paper}${state ? ` · ${t(state)}` : ""}`;
    text.append(name, where);
    if (printer.last_error) {
      const problem = document.createElement("small");
      problem.className = "unavailable";
      problem.textContent = t("printer_last_error", { error: printer.last_error });
      text.append(problem);
    }
    label.append(input, text);
    input.addEventListener("change", () => choose({ kind: "server", printer_id: printer.id, name: printer.name, auto_print: printer.auto_print, head: printer.paper }));
    return label;
  }

  async function loadServerPrinters() {
    const list = $("printer-server-list");
    const note = $("printer-server-note");
    note.hidden = true;
    if (!page.online()) {
      list.replaceChildren();
      note.textContent = t("printer_offline_list");
      note.hidden = false;
      return;
    }
    try {
      serverList = await printers.serverPrinters(page.exhibitorId);
    } catch {
      serverList = [];
      note.textContent = t("printer_list_failed");
      note.hidden = false;
    }
    list.replaceChildren(...serverList.map(serverOption));
    // The chosen printer as the server knows it now (renamed, auto-print switched).
    const chosen = printers.printerChoice();
    const current = chosen.kind === "server" && serverList.find((p) => p.id === chosen.printer_id);
    if (current) printers.choosePrinter({ ...chosen, name: current.name, auto_print: current.auto_print });
    showChoice();
    if (!serverList.length && note.hidden) {
      note.textContent = t("printer_none_on_server");
      note.hidden = false;
    }
    markChecked();
  }

  function choose(choice) {
    const before = printers.printerChoice();
    const kept = printers.choosePrinter({ head: before.head, ...choice });
    // The HTML receipt follows the paper too (80 mm paper for a 72 mm head).
    choosePaper(kept.head === "58mm" ? "58mm" : "80mm");
    showChoice();
    markChecked();
    return kept;
  }

  for (const input of kindInputs()) {
    const unavailable = !can[input.value];
    input.disabled = unavailable;
    const note = input.closest("label").querySelector(".unavailable");
    note?.toggleAttribute("hidden", !unavailable);
    // Bluetooth and serial ports are for secure pages only: on the plain HTTP address the
    // way out is the HTTPS one, not another browser.
    if (note && unavailable && !window.isSecureContext && ["bluetooth", "serial"].includes(input.value)) note.textContent = t("printer_needs_https");
    input.addEventListener("change", () => choose({ kind: input.value }));
  }
  $("printer-head").addEventListener("change", () => choose({ ...printers.printerChoice(), head: $("printer-head").value }));

  $("printer-settings").addEventListener("click", () => {
    markChecked();
    $("printer-dialog").showModal();
    loadServerPrinters();
  });
  $("printer-close").addEventListener("click", () => $("printer-dialog").close());
  $("printer-pick").addEventListener("click", async () => {
    try {
      await device(printers.printerChoice(), { fresh: true });
      $("printer-state").textContent = printers.printerChoice().name || "";
    } catch (error) {
      $("printer-state").textContent = problem(error);
    }
  });
  $("printer-test").addEventListener("click", async () => {
    const choice = printers.printerChoice();
    const state = $("printer-state");
    state.textContent = t("printer_sending");
    try {
      if (choice.kind === "server") {
        const job = await printers.testOnServer(choice.printer_id, { csrf: page.csrf() });
        await printers.followJob(job.job_id, (update) => { state.textContent = jobText(update); }, { patience: 30 });
      } else if (choice.kind === "dialog") {
        const sample = offlineReceipt(page.receiptContext, {
          offline_number: "", recorded_at: new Date().toISOString(), public_token: "test", lines: [], payments: [],
        });
        await printReceipt({ ...sample, title: t("test_page"), qr_url: "" }, { paper: paperSetting() });
        state.textContent = "";
      } else {
        const bytes = testPageBytes({ title: t("test_page"), columns: t("columns") }, {
          columns: COLUMNS[choice.head],
          name: describe(choice),
          link: page.receiptContext.public_base || window.location.origin,
        });
        state.textContent = await send(choice, bytes);
      }
    } catch (error) {
      state.textContent = problem(error);
    }
  });

  // --- sending ------------------------------------------------------------------------------

  // The Bluetooth device or serial port of `choice`: the one this tablet remembers, or
  // (from a tap) the browser's chooser; the choice then remembers it.
  async function device(choice, { fresh = false } = {}) {
    if (choice.kind === "bluetooth") {
      let found = fresh ? null : await printers.rememberedBluetooth(choice.device_id);
      if (!found) {
        found = await printers.pickBluetooth();
        if (choice === printers.printerChoice() || printers.printerChoice().kind === "bluetooth") {
          choose({ ...printers.printerChoice(), kind: "bluetooth", device_id: found.id, name: found.name || "" });
        }
      }
      return found;
    }
    let port = fresh ? null : await printers.rememberedSerial(choice.usb);
    if (!port) {
      port = await printers.pickSerial();
      if (printers.printerChoice().kind === "serial") {
        choose({ ...printers.printerChoice(), usb: printers.portIdentity(port), name: t("printer_serial") });
      }
    }
    return port;
  }

  // Bytes to the tablet's own printer of `choice`; the words for the result.
  async function send(choice, bytes, target = null) {
    if (choice.kind === "rawbt") {
      printers.sendRawbt(bytes);
      return t("printer_rawbt_opened");
    }
    const where = target || (await device(choice));
    if (choice.kind === "bluetooth") await printers.sendBluetooth(where, bytes);
    else await printers.sendSerial(where, bytes);
    return t("printer_sent");
  }

  function jobText(job) {
    if (job.status === "failed") return t("printer_failed", { error: job.error || "" });
    return t(JOB_WORDS[job.status] || "printer_queued");
  }

  function problem(error) {
    const reason = error?.reason;
    if (reason === "cancelled") return t("printer_cancelled");
    if (reason === "no_characteristic") return t("printer_no_service");
    if (reason === "write") return t("printer_write_failed");
    if (reason === "unsupported") return t("printer_unavailable");
    if (reason === "network") return t("network");
    if (reason === "refused") return `${t("print_failed")} ${error.message}`.trim();
    return t("print_failed");
  }

  // --- the done screen ------------------------------------------------------------------------

  const status = $("done-print-status");
  const message = $("done-print-message");

  function say(text, { error = false } = {}) {
    message.hidden = true;
    status.hidden = true;
    const box = error ? message : status;
    box.textContent = text;
    box.hidden = !text;
  }

  // The receipt's content: the tablet's own for a sale still on it, else the server's.
  async function receiptOf(sale, copy) {
    if (sale.receipt) return copy ? { ...sale.receipt, marks: [...(sale.receipt.marks || []), sale.receipt.labels.copy] } : sale.receipt;
    const query = copy ? "?copy=1" : "";
    let response;
    try {
      response = await fetch(`/api/v1/sales/${encodeURIComponent(sale.saleId)}/receipt.json${query}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch {
      throw new printers.PrinterError("network");
    }
    const answer = await response.json().catch(() => null);
    if (!response.ok || !answer) throw new printers.PrinterError("refused", answer?.message || "");
    return answer;
  }

  function offerTabletPaths(why) {
    const box = $("print-offline-choices");
    $("print-offline-why").textContent = why;
    for (const button of box.querySelectorAll("[data-print-kind]")) button.hidden = !can[button.dataset.printKind];
    box.hidden = false;
  }

  // A booth printer that prints after every sale has the receipt already: the done screen
  // follows that job (the server queues it just after the sale) and Print makes a COPY.
  async function followAutoPrint(sale, choice) {
    for (let look = 0; look < 10 && last === sale; look += 1) {
      let jobs = [];
      try {
        const response = await fetch(`/api/v1/print-jobs?sale_id=${encodeURIComponent(sale.saleId)}`, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        jobs = (await response.json()).items || [];
      } catch {
        return; // offline: Print offers the tablet's ways
      }
      const job = jobs.find((j) => j.printer_id === choice.printer_id && j.kind === "receipt" && !j.copy);
      if (job) {
        sale.printed = true;
        await printers.followJob(job.id, (update) => {
          if (last === sale) say(jobText(update), { error: update.status === "failed" });
        });
        if (last === sale) $("print-again").hidden = false;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  async function printOnServer(choice, copy) {
    say(t("printer_sending"));
    const job = await printers.printOnServer(last.saleId, choice.printer_id, { copy, csrf: page.csrf() });
    await printers.followJob(job.job_id, (update) => say(jobText(update), { error: update.status === "failed" }));
    $("print-again").hidden = false;
  }

  // Print the done screen's sale on `kind` (the tablet's choice unless a path was tapped).
  async function printLast({ kind = null, copy = false } = {}) {
    if (!last) return;
    const choice = kind ? { ...printers.printerChoice(), kind } : printers.printerChoice();
    $("print-offline-choices").hidden = true;
    say("");
    try {
      if (choice.kind === "server") {
        if (!page.online()) return offerTabletPaths(t("printer_needs_network"));
        if (!last.saleId) return offerTabletPaths(t("printer_no_sale_yet"));
        try {
          return await printOnServer(choice, copy || Boolean(last.printed));
        } catch (error) {
          if (error.reason === "network") return offerTabletPaths(t("printer_needs_network"));
          throw error;
        }
      }
      if (choice.kind === "dialog") {
        const opened = last.receipt
          ? await printReceipt(copy ? await receiptOf(last, true) : last.receipt, { paper: paperSetting() })
          : await printSaleReceipt(last.saleId, { copy, paper: paperSetting() });
        if (opened === "opened") say(t("print_opened"));
        return;
      }
      // The device first, while the tap still counts as one (the chooser needs it).
      const target = choice.kind === "rawbt" ? null : await device(choice);
      const bytes = receiptBytes(await receiptOf(last, copy), { columns: COLUMNS[choice.head] });
      say(t("printer_sending"));
      say(await send(choice, bytes, target));
      $("print-again").hidden = false;
    } catch (error) {
      say(problem(error), { error: true });
      $("print-again").hidden = false;
    }
  }

  $("print-receipt").addEventListener("click", () => printLast());
  $("print-again").addEventListener("click", () => printLast({ copy: true }));
  for (const button of document.querySelectorAll("#print-offline-choices [data-print-kind]")) {
    button.addEventListener("click", () => printLast({ kind: button.dataset.printKind }));
  }

  showChoice();

  return {
    // The done screen shows a sale: `saleId` once the server has it, `receipt` (the
    // tablet's own) while it is kept on the tablet.
    saleDone({ saleId = null, receipt = null, number = "" }) {
      last = { saleId, receipt, number, printed: false };
      say("");
      $("print-offline-choices").hidden = true;
      $("print-again").hidden = true;
      const choice = showChoice();
      if (saleId && choice.kind === "server" && choice.auto_print && page.online()) followAutoPrint(last, choice);
    },
    printLast,
  };
}
