// A shopping cart: items with a unit price in cents and a quantity.
export function createCart() {
  return { items: [] };
}

export function addItem(cart, name, priceCents, quantity = 1) {
  if (!Number.isInteger(priceCents) || priceCents < 0) throw new Error(`bad price for ${name}`);
  cart.items.push({ name, priceCents, quantity });
  return cart;
}

export function subtotal(cart) {
  return cart.items.reduce((sum, item) => sum + item.priceCents * item.quantity, 0);
}
