/** The pipeline's public face: runPipeline, its options, the run summary types, and the project layout. */
export { projectPaths } from '../model/layout.js'
export * from './outcome.js'
export { type RunOptions, runPipeline } from './run-pipeline.js'
