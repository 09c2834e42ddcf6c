/**
 * GazeGen edits on a real photo, saved as new files (the original is never written):
 *   npx tsx scripts/gazegen/edit-demo.ts [outDir]     (default /tmp/gazegen-demo)
 * Uses the hand-labelled boxes of kernel/gazegen/labels.json: the coffee photo (python3-skimage) and an orange cut out of
 * 'fruits' (opencv-doc) for add; no people in either.
 */
import { mkdirSync } from 'node:fs';
import {
  addObject,
  animate,
  deleteObject,
  loadLabels,
  loadPhoto,
  makeLibraryObject,
  moveObject,
  photoPath,
  restyleObject,
  saveEdit,
} from '../../kernel/gazegen';

async function main(): Promise<void> {
  const out = process.argv[2] ?? '/tmp/gazegen-demo';
  mkdirSync(out, { recursive: true });
  const id = 'coffee';
  const img = loadPhoto(id);
  const objs = loadLabels().find((p) => p.photo === id)!.objects;
  const spoon = objs.find((o) => o.label === 'spoon')!;
  const cup = objs.find((o) => o.label === 'cup')!;
  const orig = photoPath(id);
  const del = await deleteObject(img, { box: spoon.box, label: 'spoon' });
  console.log(
    'delete',
    saveEdit(orig, 'delete', del.image, { dir: out }),
    Math.round(del.record.ms),
    'ms',
    del.record.maskMethod,
    del.record.dilation,
  );
  const mv = await moveObject(img, { box: spoon.box, label: 'spoon' }, { x: 90, y: 300 });
  console.log('move', saveEdit(orig, 'move', mv.image, { dir: out }), Math.round(mv.record.ms), 'ms', mv.record.details.destinationBox);
  const mvf = await moveObject(img, { box: spoon.box, label: 'spoon' }, { x: 90, y: 300 }, { blend: 'feather' });
  console.log('move-feather', saveEdit(orig, 'move-feather', mvf.image, { dir: out }));
  const rs = await restyleObject(img, { box: [0, 330, 160, 70] }, { box: cup.box, label: 'cup' });
  console.log('restyle', saveEdit(orig, 'restyle', rs.image, { dir: out }), rs.record.details.textureGain);
  const fruits = loadPhoto('fruits');
  const orange = loadLabels()
    .find((p) => p.photo === 'fruits')!
    .objects.find((o) => o.label === 'orange')!;
  const lib = await makeLibraryObject(fruits, orange.box, 'orange', 'fruits');
  const add = await addObject(img, lib, { x: 500, y: 300 }, { heightFrac: 0.3 });
  console.log('add', saveEdit(orig, 'add', add.image, { dir: out }), add.record.details.placedBox);
  const an = await animate(img, { x: 290, y: 150 }, null, { frames: 10 });
  console.log('animate', saveEdit(orig, 'animate', { bytes: an.gif, ext: 'gif' }, { dir: out }), an.mp4Note);
}
void main();
