// A plain-text receipt, one line per item, then the total.
import { total } from './checkout.js';

const euros = (cents) => `€${(cents / 100).toFixed(2)}`;

export function receipt(cart, discounts = []) {
  const lines = cart.items.map((i) => `${i.quantity} × ${i.name} ${euros(i.priceCents * i.quantity)}`);
  return [...lines, `Total ${euros(total(cart, discounts))}`].join('\n');
}
