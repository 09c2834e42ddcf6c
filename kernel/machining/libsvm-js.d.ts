/** Types of the parts of libsvm-js (mljs port of LIBSVM 3.x, BSD-3-Clause) used here: the synchronous asm.js build. */
declare module 'libsvm-js/asm' {
  interface SVMOptions {
    type?: number;
    kernel?: number;
    gamma?: number;
    cost?: number;
    epsilon?: number;
    tolerance?: number;
    shrinking?: boolean;
    cacheSize?: number;
    quiet?: boolean;
  }
  class SVM {
    constructor(options: SVMOptions);
    static SVM_TYPES: { C_SVC: number; NU_SVC: number; ONE_CLASS: number; EPSILON_SVR: number; NU_SVR: number };
    static KERNEL_TYPES: { LINEAR: number; POLYNOMIAL: number; RBF: number; SIGMOID: number; PRECOMPUTED: number };
    train(samples: number[][], labels: number[]): void;
    predict(samples: number[][]): number[];
    getSVIndices(): number[];
    free(): void;
  }
  export = SVM;
}
