/** The environment variable holding the bearer token HTTP clients must send (apart, so `--help` loads no SDK). */
export const TOKEN_VARIABLE = 'DATAWARP_MCP_TOKEN'
