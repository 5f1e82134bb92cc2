export { extractFile } from './extract-file.js'
