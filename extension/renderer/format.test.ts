import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fmt, formatCell, runs } from './format';
import { luminance, mix, parseColor, plotlyColorscale, scaleRgb, SCALES, textOn, toHex } from './colors';
import { themeFrom } from './theme';

test('formatCell applies each TableColumn.format', () => {
  assert.equal(formatCell(1234567.4, 'int'), '1234567');
  assert.equal(formatCell(12.3456, 'fixed2'), '12.35');
  assert.equal(formatCell(2, 'fixed3'), '2.000');
  assert.equal(formatCell(0.7043, 'percent'), '70.4%');
  assert.equal(formatCell(0.000123, 'sci'), '1.23e-4');
  assert.equal(formatCell(5, 'text'), '5');
  assert.equal(formatCell(null, 'int'), '–');
  assert.equal(formatCell(true), 'true');
  assert.equal(formatCell('n/a', 'fixed2'), 'n/a');
  assert.equal(formatCell(0.32926), '0.3293');
  assert.equal(formatCell(123456), '1.23e5');
  assert.equal(fmt(0.0001234), '1.23e-4');
  assert.equal(fmt(0), '0');
});

test('runs groups indices into half-open ranges', () => {
  assert.deepEqual(runs([9, 3, 4, 5, 4]), [
    [3, 6],
    [9, 10],
  ]);
  assert.deepEqual(runs([]), []);
});

test('color scales interpolate between their stops and clamp', () => {
  assert.deepEqual(scaleRgb('gray', 0), [0, 0, 0]);
  assert.deepEqual(scaleRgb('gray', 0.5), [128, 128, 128]);
  assert.deepEqual(scaleRgb('gray', 7), [255, 255, 255]);
  assert.deepEqual(scaleRgb('viridis', 1), SCALES.viridis[SCALES.viridis.length - 1]);
  const cs = plotlyColorscale('blues');
  assert.equal(cs.length, SCALES.blues.length);
  assert.deepEqual(cs[0], [0, '#f7fbff']);
  assert.equal(cs[cs.length - 1]![0], 1);
});

test('parseColor reads hex and rgb() forms; mix, luminance, textOn', () => {
  assert.deepEqual(parseColor('#1e1e1e'), [30, 30, 30]);
  assert.deepEqual(parseColor('#fff'), [255, 255, 255]);
  assert.deepEqual(parseColor('#336699cc'), [51, 102, 153]);
  assert.deepEqual(parseColor(' rgba(10, 20, 30, 0.5) '), [10, 20, 30]);
  assert.equal(parseColor('var(--x)'), null);
  assert.deepEqual(mix([0, 0, 0], [200, 100, 50], 0.5), [100, 50, 25]);
  assert.equal(toHex([255, 0, 16]), '#ff0010');
  assert.ok(luminance([30, 30, 30]) < 0.5 && luminance([250, 250, 250]) > 0.5);
  assert.equal(textOn([20, 20, 20]), '#ffffff');
  assert.equal(textOn([240, 240, 200]), '#000000');
});

test('theme follows VS Code variables and falls back to a light theme', () => {
  const dark = themeFrom(
    (n, fb) =>
      (
        ({
          '--vscode-editor-background': '#1e1e1e',
          '--vscode-editor-foreground': '#d4d4d4',
          '--vscode-font-family': 'Segoe WPC',
        }) as Record<string, string>
      )[n] ?? fb,
  );
  assert.equal(dark.dark, true);
  assert.equal(dark.foreground, '#d4d4d4');
  assert.equal(dark.fontFamily, 'Segoe WPC');
  const light = themeFrom((_n, fb) => fb);
  assert.equal(light.dark, false);
  assert.equal(light.background, '#ffffff');
  assert.equal(light.fontSize, 13);
});
