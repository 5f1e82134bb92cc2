export { ConfigError, formatProblem, loadConfig } from './load-config.js'
