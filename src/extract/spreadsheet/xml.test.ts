import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { decodeXmlChunks } from './xml.js'

async function decode(chunks: Buffer[]): Promise<string> {
  let text = ''
  for await (const piece of decodeXmlChunks(Readable.from(chunks))) text += piece
  return text
}

describe('decodeXmlChunks', () => {
  it('keeps multi-byte UTF-8 characters whole wherever the chunks split them', async () => {
    const text = '<t>héllo €uro 😀 漢字</t>'
    const bytes = Buffer.from(text, 'utf8')
    for (let split = 1; split < bytes.length; split++) {
      expect(await decode([bytes.subarray(0, split), bytes.subarray(split)])).toBe(text)
    }
    expect(await decode([...bytes].map((byte) => Buffer.from([byte])))).toBe(text)
  })

  it('drops a UTF-8 byte order mark and honours a UTF-16 one', async () => {
    expect(await decode([Buffer.from('\uFEFF<a/>', 'utf8')])).toBe('<a/>')
    expect(await decode([Buffer.from('\uFEFF<a>é</a>', 'utf16le')])).toBe('<a>é</a>')
  })

  it('rewrites characters XML 1.0 forbids as _xHHHH_ escapes', async () => {
    expect(await decode([Buffer.from('<t>a\u0001b\u001Fc\td</t>')])).toBe('<t>a_x0001_b_x001F_c\td</t>')
  })
})
