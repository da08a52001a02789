// Checkout: the cart's subtotal with the best of the given discounts applied.
import { subtotal } from './cart.js';

export function total(cart, discounts = []) {
  const base = subtotal(cart);
  return discounts.reduce((best, discount) => Math.min(best, discount(base)), base);
}
