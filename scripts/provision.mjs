// Debian packages EdgeLab needs, installed when missing (as root) or named with the exact command (otherwise).
// Used by `npm start` (the tour) and `npm test`.
import { execFileSync, spawnSync } from 'node:child_process';

export const APT = {
  // the tour: Fashion-MNIST for the notebooks
  tour: ['dataset-fashion-mnist'],
  // tests: photos (python3-skimage, opencv-doc, python-matplotlib-data), Jupyter (nbconvert cross-check, ipykernel peer), Chromium (renderer/page tests), ARM toolchain + QEMU (MEMA), Kerberos headers (code-server build)
  test: [
    'dataset-fashion-mnist',
    'jupyter-nbconvert',
    'jupyter-client',
    'python3-ipykernel',
    'chromium',
    'gcc-arm-none-eabi',
    'libnewlib-arm-none-eabi',
    'qemu-system-arm',
    // BullMQ job tests (core/jobs): a real Redis on a random loopback port
    'redis-server',
    'libkrb5-dev',
    // real photographs for GazeGen selection and edits (core/vision/photos.ts): scikit-image's and OpenCV's sample data
    'python3-skimage',
    'opencv-doc',
    'python-matplotlib-data',
  ],
};

function installed(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && /install ok installed/.test(r.stdout);
}

/** Install missing apt packages; returns the list installed. Throws with the exact command when not root. */
export function ensureApt(packages, log = console.log) {
  const missing = packages.filter((p) => !installed(p));
  if (!missing.length) return [];
  const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing.join(' ')}`;
  if (process.getuid && process.getuid() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(', ')}. Run as root:\n  sudo sh -c '${cmd}'`);
  }
  log(`provision: apt-get install ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  }
  return missing;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const which = process.argv[2] ?? 'test';
  try {
    const done = ensureApt(APT[which] ?? APT.test);
    console.log(done.length ? `installed ${done.join(' ')}` : 'all apt packages present');
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
