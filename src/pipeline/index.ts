export { projectPaths } from '../model/layout.js'
export * from './outcome.js'
export { type RunOptions, runPipeline } from './run-pipeline.js'
