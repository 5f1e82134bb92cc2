import { describe, expect, it } from 'vitest'
import { refuseRequest } from './http.js'

const local = { host: '127.0.0.1', port: 8765, allowedOrigins: ['https://lab.example'] }
const request = (headers: Record<string, string>, url = '/mcp') => ({
  url,
  headers: { host: '127.0.0.1:8765', ...headers },
})

describe('which HTTP requests reach the MCP server', () => {
  it('lets a local client through, with or without a loopback Origin', () => {
    expect(refuseRequest(request({}), local)).toBeUndefined()
    expect(refuseRequest(request({ origin: 'http://localhost:3000' }), local)).toBeUndefined()
    expect(refuseRequest(request({ origin: 'https://lab.example' }), local)).toBeUndefined()
  })

  it('refuses a foreign Origin, a foreign Host on loopback, and other paths', () => {
    expect(refuseRequest(request({ origin: 'https://evil.example' }), local)?.[0]).toBe(403)
    expect(refuseRequest(request({ origin: 'null' }), local)?.[0]).toBe(403)
    expect(refuseRequest(request({ host: 'evil.example:8765' }), local)?.[0]).toBe(403)
    expect(refuseRequest(request({}, '/other'), local)?.[0]).toBe(404)
  })

  it('asks for the bearer token when one is set', () => {
    const guarded = { ...local, host: '0.0.0.0', token: 'secret-token' }
    expect(refuseRequest(request({ host: 'data.example' }), guarded)?.[0]).toBe(401)
    expect(refuseRequest(request({ host: 'data.example', authorization: 'Bearer nope' }), guarded)?.[0]).toBe(
      401,
    )
    expect(
      refuseRequest(request({ host: 'data.example', authorization: 'Bearer secret-token' }), guarded),
    ).toBeUndefined()
  })
})
