// The organizer's dashboard: fetches the event report every few seconds and redraws.
const root = document.getElementById("dashboard");
const cfg = {
  eventId: root.dataset.eventId,
  currency: root.dataset.currency,
  locale: root.dataset.locale,
  categories: JSON.parse(root.dataset.categories),
  methods: JSON.parse(root.dataset.methods),
  text: JSON.parse(root.dataset.text),
};
const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

// As pos/formats.py writes money: Rp1.250.000, IDR 1,250,000, and below zero with the
// minus sign (−Rp10.000), never a hyphen.
function money(amount) {
  const n = Math.abs(amount).toLocaleString(cfg.locale === "id" ? "id-ID" : "en-US", { maximumFractionDigits: 0 });
  const sign = amount < 0 ? "\u2212" : "";
  if (cfg.currency === "IDR") return sign + (cfg.locale === "id" ? `Rp${n}` : `IDR\u00a0${n}`);
  return `${sign}${cfg.currency}\u00a0${n}`;
}

function bar(fraction) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "split-bar");
  svg.setAttribute("viewBox", "0 0 100 10");
  svg.setAttribute("preserveAspectRatio", "none");
  const rect = document.createElementNS(SVG, "rect");
  rect.setAttribute("width", String(Math.max(0, Math.min(1, fraction)) * 100));
  rect.setAttribute("height", "10");
  rect.setAttribute("fill", "#f4b942");
  svg.append(rect);
  return svg;
}

function splits(list, entries, label) {
  const top = Math.max(1, ...entries.map(([, v]) => v));
  list.replaceChildren(
    ...entries.map(([key, value]) => {
      const item = document.createElement("li");
      const name = document.createElement("span");
      name.className = "split-label";
      name.textContent = label(key);
      const amount = document.createElement("span");
      amount.className = "split-amount";
      amount.textContent = money(value);
      item.append(name, bar(value / top), amount);
      return item;
    }),
  );
}

function render(today, whole) {
  const figures = [money(today.net), money(whole.net)];
  [$("today-net").textContent, $("event-net").textContent] = figures;
  // The amounts shrink as far as the longer needs, as templates/_figures.html sizes them.
  const n = Math.max(...figures.map((text) => text.length));
  const size = n > 17 ? "longest" : n > 14 ? "longer" : n > 11 ? "long" : "";
  $("figures").className = `stat-row ${size}`.trim();
  $("today-transactions").textContent = today.transactions.toLocaleString(cfg.locale);
  $("today-items").textContent = today.items_sold.toLocaleString(cfg.locale);
  $("today-booths").textContent = `${today.exhibitors - today.exhibitors_without_sales.length} / ${today.exhibitors}`;
  splits($("by-day"), whole.by_day.map((d) => [d.date, d.net]), (d) => new Date(`${d}T00:00:00`).toLocaleDateString(cfg.locale, { weekday: "short", day: "numeric", month: "short" }));
  const sort = (obj) => Object.entries(obj).sort((a, b) => b[1] - a[1]);
  splits($("by-category"), sort(today.by_category), (k) => cfg.categories[k] || k);
  splits($("by-region"), sort(today.by_region), (k) => k);
  splits($("by-method"), sort(today.by_payment_method), (k) => cfg.methods[k] || k);
  splits($("by-origin"), Object.entries(today.by_origin).map(([k, v]) => [k, v.amount]), (k) => cfg.text[k] || k);
  const board = $("leaderboard");
  board.replaceChildren(
    ...today.by_exhibitor.filter((row) => row.transactions > 0).slice(0, 10).map((row) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `/reports/daily?exhibitor_id=${row.exhibitor_id}`;
      link.textContent = `${row.booth} · ${row.name}`;
      const figure = document.createElement("strong");
      figure.textContent = money(row.net);
      const detail = document.createElement("small");
      detail.textContent = `${row.region || ""} · ${row.transactions}×`;
      item.append(link, detail, figure);
      return item;
    }),
  );
  $("idle").textContent = today.exhibitors_without_sales.length ? today.exhibitors_without_sales.join(", ") : cfg.text.none;
  const time = new Date().toLocaleTimeString(cfg.locale, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  $("updated").textContent = cfg.text.updated.replace("{time}", time);
}

async function refresh() {
  try {
    const base = `/api/v1/reports/event?event_id=${cfg.eventId}`;
    const [today, whole] = await Promise.all(
      [`${base}&date=today`, base].map((url) => fetch(url, { credentials: "same-origin" }).then((r) => {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })),
    );
    render(today, whole);
  } catch {
    $("updated").textContent = cfg.text.offline;
  }
}

refresh();
setInterval(() => {
  if (!document.hidden) refresh();
}, REFRESH_MS);
