import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addItem, createCart, subtotal } from '../src/cart.js';

test('subtotal adds price times quantity', () => {
  const cart = addItem(addItem(createCart(), 'tea', 450, 2), 'cake', 300);
  assert.equal(subtotal(cart), 1200);
});
