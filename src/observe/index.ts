export { cpuClock, type EventLevel, EventLog, errorDetail, type RunEvent } from './event-log.js'
export { writeStateFile } from './state-file.js'
