export { type HttpOptions, listeningUrl, MCP_PATH, serveHttp, TOKEN_VARIABLE } from './http.js'
export { CATALOG_URI, createMcpServer, MANIFEST_URI } from './server.js'
