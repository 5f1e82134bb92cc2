export * from './outcome.js'
export { projectPaths } from './paths.js'
export { type RunOptions, runPipeline } from './run-pipeline.js'
