import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addItem, createCart } from '../src/cart.js';
import { amountOffAbove, percentOff } from '../src/discount.js';
import { total } from '../src/checkout.js';
import { receipt } from '../src/receipt.js';

test('the best discount wins', () => {
  const cart = addItem(createCart(), 'tea', 1000, 3);
  assert.equal(total(cart, [percentOff(10), amountOffAbove(2500, 500)]), 2500);
});

test('the receipt ends with the discounted total', () => {
  const cart = addItem(createCart(), 'cake', 300, 2);
  assert.match(receipt(cart, [percentOff(50)]), /Total €3\.00$/);
});
