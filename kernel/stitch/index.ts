/**
 * StitchNet ("StitchNet: Composing Neural Networks from Pre-Trained Fragments", Teerapittayanon, Comiter, McDanel,
 * Kung; arXiv 2301.01947, ICMLA 2023; authors' code github.com/steerapi/stitchnet), on tfjs LayersModels.
 *
 *   const zoo = await stitch.loadZoo();                                   // small CNNs trained on Fashion-MNIST
 *   stitch.fragmentize(zoo[0].model)                                       // cut points and fragments
 *   stitch.cka(X, Y)                                                       // linear CKA (float64), paper's conv policy
 *   stitch.ckaMatrix(a, b, images)                                         // layer × layer CKA
 *   const s = stitch.fitStitch(X, Y)                                       // min-norm least squares, folded later
 *   for await (const net of stitch.search({ nets, data, K: 2, TT: 0.5 })) // recursive search, no backprop
 *     stitch.knnAccuracy(net, { fit, test })                               // the fixed k-NN (k = 5) protocol
 */
export { type Acts, type ActsLike } from './acts';
export { cka, ckaRaw, type CkaOptions } from './cka';
export { fitStitch, type FitOptions, type Stitch } from './fit';
export { fragmentize, countMacs, type Fragment, type NetGraph, type Piece } from './graph';
export { search, imagesToActs, type SearchOptions, type StitchedNet, type ChainLink, type NetInput, type ImagesLike } from './search';
export { knnHead, labelMapHead, accuracy, type KnnHead } from './heads';
export { ckaMatrix, knnAccuracy, trainFromScratch, type CkaMatrix, type CkaMatrixOptions, type LabelledImages } from './evaluate';
export { ckaFigure, networksTable, chainFigure, chainText } from './figures';
export { ZOO, loadZoo, zooDir, vggNet, wideNet, resNet, dsconvNet, type ZooSpec, type LoadZooOptions } from './zoo';
export { paperVsOurs, PAPER } from './paper';
export { study, type StudyOptions, type StudyResult, type GeneratedNet, type OriginalNet } from './study';
