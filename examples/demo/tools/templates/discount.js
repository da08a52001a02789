// Discount rules: a percentage off, and a fixed amount off above a threshold.
export function percentOff(percent) {
  if (percent < 0 || percent > 100) throw new Error('percent must be between 0 and 100');
  return (amount) => Math.round((amount * (100 - percent)) / 100);
}

export function amountOffAbove(thresholdCents, offCents) {
  return (amount) => (amount >= thresholdCents ? Math.max(0, amount - offCents) : amount);
}
