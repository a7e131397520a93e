import { test } from 'vitest';
import { compareSamples, mulberry32 } from './stats.js';
function gauss(r: () => number) { return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()); }
function draw(r: () => number, n: number, scale = 1) { return Array.from({ length: n }, () => scale * 2 * Math.exp(0.3 * gauss(r))); }
test('sim', () => {
  for (const n of [30, 60, 120, 240]) {
    let fp = 0, fpBoot = 0, fpU = 0, det = 0, detReg = 0;
    const T = 200;
    for (let t = 0; t < T; t++) {
      const r = mulberry32(1000 + t);
      const c = compareSamples(draw(r, n), draw(r, n), { seed: t });
      if (c.verdict !== 'no_change') fp++;
      if (c.ci[0] > 0 || c.ci[1] < 0) fpBoot++;
      if (c.p < 0.05) fpU++;
      const d = compareSamples(draw(r, n), draw(r, n, 1.2), { seed: t });
      if (d.verdict === 'slower') det++;
      if (d.verdict === 'slower' && d.ci[0] > 0.1 * d.medianA) detReg++;
    }
    console.log(n, 'fp', fp / T, 'boot', fpBoot / T, 'U', fpU / T, 'detect20%', det / T, 'reg>10%', detReg / T);
  }
}, 120000);
