// The register's product grid, kept fast with a thousand products on a mid-range tablet.
//
// - Each product's search text is made once per catalogue, so a keystroke costs one
//   string search per product.
// - A tile is built the first time it is shown and kept while its product's name, SKU,
//   category and photo stay the same; later renders only update its stock note and price
//   when they change (its photo is never decoded again).
// - The grid holds the first matches only, a screen's worth and a row, and takes in the
//   next ones as the cashier scrolls towards its end. What the browser
//   lays out and paints per keystroke is then a few dozen tiles, not a thousand: laying
//   out a tile the first time (or again after it was hidden) costs more than everything
//   else a keystroke does.

const TILE_HEIGHT = 200; // about a tile's height in CSS pixels, until one is measured
const grids = new WeakMap(); // container → its grid
const searchTexts = new WeakMap(); // product → its search text, lower case

// Whether the product's search text holds `query` (any case).
export function holds(product, choiceLabel, query) {
  if (query !== lowered.query) Object.assign(lowered, { query, text: query.toLowerCase() });
  return searchText(product, choiceLabel).includes(lowered.text);
}

const lowered = { query: null, text: "" };

// What a search matches: SKU, name and every attribute value, choices also by their label.
export function searchText(product, choiceLabel) {
  let text = searchTexts.get(product);
  if (text === undefined) {
    const values = Object.values(product.attributes || {}).map((v) => `${v} ${choiceLabel(v)}`);
    text = [product.sku, product.name, ...values].join(" ").toLowerCase();
    searchTexts.set(product, text);
  }
  return text;
}

// Show the `products` that are `visible` in `container`, in their order. `hooks`:
//   identity(product) → text: a product whose identity changed gets a new tile;
//   build(product, entry) → {cell, ...}: a new tile (entry.product is always the current
//     product object of that id, for the tile's handlers);
//   looks(product) → text: what the tile's changing parts depend on (stock, price);
//   update(entry, product): bring those parts up to date (only when `looks` changed);
//   visible(product) → whether it matches the search and category;
//   criteria() → text: the search and category (a new one starts again at the top);
//   prepare(product): work done once per product per catalogue (its search text).
// Answers how many products match.
export function showProducts(container, products, hooks) {
  const grid = gridOf(container);
  grid.hooks = hooks;
  if (grid.products !== products) useProducts(grid, products, hooks);
  const matching = products.filter(hooks.visible);
  const criteria = hooks.criteria();
  if (criteria !== grid.criteria || !grid.limit) grid.limit = pageSize(grid);
  grid.criteria = criteria;
  grid.matching = matching;
  const shown = matching.slice(0, grid.limit).map((product) => tileOf(grid, product).cell);
  if (shown.length !== grid.shown.length || shown.some((cell, i) => cell !== grid.shown[i])) {
    placeCells(container, grid.shown, shown);
    grid.shown = shown;
  }
  // A screen taller than the page's rows (nothing to scroll) takes the next tiles in too.
  if (grid.limit < matching.length) whenIdle(() => takeMoreIfNear(grid));
  if (grid.entries.size < products.length) buildWhenIdle(grid);
  return matching.length;
}

// Make the container's children `shown`, touching only the tiles that come or go: a tile
// taken out and put back is laid out anew, which is what a keystroke must not pay for.
function placeCells(container, before, shown) {
  const staying = new Set(shown);
  for (const cell of before) if (!staying.has(cell)) cell.remove();
  let next = container.firstElementChild;
  for (const cell of shown) {
    if (cell === next) next = next.nextElementSibling;
    else container.insertBefore(cell, next);
  }
}

// The product's tile, built if need be, its stock note and price up to date.
function tileOf(grid, product) {
  let entry = grid.entries.get(product.id);
  if (!entry) {
    entry = { identity: grid.hooks.identity(product), looks: null, product };
    Object.assign(entry, grid.hooks.build(product, entry));
    grid.entries.set(product.id, entry);
  }
  const looks = grid.hooks.looks(product);
  if (entry.looks !== looks) {
    entry.looks = looks;
    grid.hooks.update(entry, product);
  }
  return entry;
}

// The tiles not shown yet are built while the tablet has nothing else to do, so that a
// search shows them without building them.
function buildWhenIdle(grid) {
  if (grid.building) return;
  grid.building = true;
  const step = (deadline) => {
    // A few milliseconds at a time: a keystroke never waits long behind it.
    const until = performance.now() + 8;
    for (const product of grid.products) {
      if (deadline.timeRemaining() < 2 || performance.now() > until) return whenIdle(step);
      if (!grid.entries.has(product.id)) tileOf(grid, product);
    }
    grid.building = false;
  };
  whenIdle(step);
}

// After the frame that answers a keystroke, when nothing else waits (Safari before 18 has
// no requestIdleCallback: a short timer stands in).
function whenIdle(work) {
  if (window.requestIdleCallback) return window.requestIdleCallback(work, { timeout: 1000 });
  return setTimeout(() => work({ timeRemaining: () => 8 }), 50);
}

// Tiles for the screen and a row more: the grid's columns times the rows the window holds.
function pageSize(grid) {
  if (!grid.page) {
    const columns = getComputedStyle(grid.container).gridTemplateColumns.split(" ").length || 1;
    const first = grid.container.firstElementChild;
    const height = Math.max(first ? first.getBoundingClientRect().height : TILE_HEIGHT, 100);
    grid.page = columns * (Math.ceil(window.innerHeight / height) + 1);
  }
  return grid.page;
}

function gridOf(container) {
  let grid = grids.get(container);
  if (!grid) {
    // The end of the grid: when it comes near the screen, the next tiles are taken in.
    const end = document.createElement("div");
    end.className = "grid-end";
    end.setAttribute("aria-hidden", "true");
    container.after(end);
    grid = { container, end, products: null, entries: new Map(), matching: [], shown: [], limit: 0, page: 0, criteria: null, hooks: null };
    grids.set(container, grid);
    const near = () => requestAnimationFrame(() => takeMoreIfNear(grid));
    // Scrolling the page (portrait, phone) or the catalogue beside the cart (landscape).
    document.addEventListener("scroll", near, { capture: true, passive: true });
    window.addEventListener("resize", () => { grid.page = 0; near(); }, { passive: true });
  }
  return grid;
}

function takeMoreIfNear(grid) {
  if (grid.limit >= grid.matching.length || !grid.container.isConnected) return;
  // Only when the end of the grid comes within half a screen of sight: taking in tiles
  // costs a layout and a paint, which a keystroke must not wait behind.
  if (grid.end.getBoundingClientRect().top > window.innerHeight * 1.5) return;
  grid.limit += pageSize(grid);
  showProducts(grid.container, grid.products, grid.hooks);
}

function useProducts(grid, products, hooks) {
  // A new catalogue: tiles of products whose identity is unchanged are kept, the others
  // are built again when shown; search texts are made now, once. The tiles taken in
  // stay (the same products still match): a refresh never scrolls the cashier back.
  const entries = new Map();
  for (const product of products) {
    const entry = grid.entries.get(product.id);
    if (entry && entry.identity === hooks.identity(product)) {
      entry.product = product;
      entries.set(product.id, entry);
    }
    hooks.prepare(product);
  }
  grid.entries = entries;
  grid.products = products;
}

