// The register's product grid, kept fast with a thousand products on a mid-range tablet:
// each product's tile is built once per catalogue and then only shown, hidden or given a
// new stock note, and each product's search text is made once. A keystroke in the search
// field therefore costs a string search per product and the tiles that change, never a
// new grid (which would also decode every photo again).

const grids = new WeakMap(); // container → its grid
const searchTexts = new WeakMap(); // product → its search text, lower case

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

// Show `products` in `container`, in their order. `hooks`:
//   build(product, entry) → {cell, ...}: a new tile (entry.product is always the current
//     product object of that id, for the tile's handlers);
//   looks(product) → text: what the tile's changing parts depend on (stock, price);
//   update(entry, product): bring those parts up to date (only when `looks` changed);
//   visible(product) → whether it matches the search and category;
//   prepare(product): work done once per product per catalogue (its search text).
// A product whose `identity(product)` changed gets a new tile. Answers how many are shown.
export function showProducts(container, products, hooks) {
  let grid = grids.get(container);
  if (!grid) {
    grid = { products: null, entries: new Map(), order: [] };
    grids.set(container, grid);
  }
  if (grid.products !== products) useProducts(container, grid, products, hooks);
  let shown = 0;
  for (const product of products) {
    const entry = grid.entries.get(product.id);
    const looks = hooks.looks(product);
    if (entry.looks !== looks) {
      entry.looks = looks;
      hooks.update(entry, product);
    }
    const visible = hooks.visible(product);
    if (entry.visible !== visible) {
      entry.visible = visible;
      entry.cell.hidden = !visible;
    }
    if (visible) shown += 1;
  }
  return shown;
}

function useProducts(container, grid, products, hooks) {
  // A new catalogue: tiles of unchanged products are kept (with their photos decoded),
  // others built; the grid's children are only replaced when the order changed.
  const kept = new Map();
  const order = [];
  for (const product of products) {
    const identity = hooks.identity(product);
    let entry = grid.entries.get(product.id);
    if (!entry || entry.identity !== identity) {
      entry = { identity, looks: null, visible: true, product };
      Object.assign(entry, hooks.build(product, entry));
    }
    entry.product = product;
    hooks.prepare(product);
    kept.set(product.id, entry);
    order.push(entry.cell);
  }
  if (order.length !== grid.order.length || order.some((cell, i) => cell !== grid.order[i])) {
    container.replaceChildren(...order);
  }
  grid.entries = kept;
  grid.order = order;
  grid.products = products;
}
