#!/usr/bin/env node
// Stands in for a real build step: reports progress for a while, then puts a file in place.
// usage: node tools/step.mjs <seconds> <template> <destination>
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

const [seconds = '1', template, destination] = process.argv.slice(2);
const total = Math.max(1, Math.round(Number(seconds) * 4));
let done = 0;
const timer = setInterval(() => {
  done++;
  console.log(`${destination ?? 'step'}: ${Math.round((done / total) * 100)}%`);
  if (done < total) return;
  clearInterval(timer);
  if (template && destination) {
    mkdirSync(dirname(destination), { recursive: true });
    copyFileSync(template, destination);
    console.log(`wrote ${destination}`);
  }
}, 250);
