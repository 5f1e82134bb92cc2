export { EventLog, type EventLevel, type RunEvent, errorDetail } from './event-log.js'
export { writeStateFile } from './state-file.js'
