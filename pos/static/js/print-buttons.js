// The print buttons of the server-rendered pages (one sale, the recent sales): each
// prints in place through register/print.js, with no new tab where the browser allows.
//   <button data-print-sale="ID" [data-copy="1"]>  the sale's receipt (a COPY reprint)
//   <button data-print-pdf="URL">                  a PDF such as a refund note
// on the paper chosen in #print-paper (kept on this tablet); #print-status tells what
// went wrong, in the page's words (data-failed, data-opened).
import { choosePaper, paperSetting, printPdf, printSaleReceipt } from "./register/print.js";

const status = document.getElementById("print-status");
const paper = document.getElementById("print-paper");

if (paper) {
  paper.value = paperSetting();
  paper.addEventListener("change", () => choosePaper(paper.value));
}

function tell(text, kind = "") {
  if (!status) return;
  status.textContent = text;
  status.className = `flash${kind ? ` flash-${kind}` : ""}`;
  status.hidden = !text;
}

function pdfOnPaper(url) {
  const address = new URL(url, window.location.href);
  address.searchParams.set("format", paperSetting());
  return address.pathname + address.search;
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-print-sale], button[data-print-pdf]");
  if (!button) return;
  tell("");
  // Started in the tap's own handler: a tab the browser must open is not a blocked pop-up.
  const job = button.dataset.printSale
    ? printSaleReceipt(button.dataset.printSale, { copy: button.dataset.copy === "1", paper: paperSetting() })
    : printPdf(pdfOnPaper(button.dataset.printPdf));
  button.disabled = true;
  job
    .then((how) => tell(how === "opened" ? status?.dataset.opened : "", "info"))
    .catch((error) => tell([status?.dataset.failed, error.reason === "refused" ? error.message : ""].filter(Boolean).join(" "), "error"))
    .finally(() => {
      button.disabled = false;
    });
});
