import { describe, expect, it } from 'vitest'
import { connectionPasswords, redactConnectionString } from './connection-string.js'

const SECRET = 'Canary-Pw-93c1'

describe('a database connection string shown or stored', () => {
  it.each([
    [`postgres://app:${SECRET}@db.example:5432/nhs`, 'postgres://app:***@db.example:5432/nhs'],
    [
      `postgresql://app@db.example/nhs?password=${SECRET}&sslmode=require`,
      'postgresql://app@db.example/nhs?password=***&sslmode=require',
    ],
    [`postgres://db.example/nhs?sslpassword=${SECRET}`, 'postgres://db.example/nhs?sslpassword=***'],
    [
      `postgres://app:${encodeURIComponent(`${SECRET}@/`)}@db.example/nhs`,
      'postgres://app:***@db.example/nhs',
    ],
    [
      `host=db.example user=app password=${SECRET} dbname=nhs`,
      'host=db.example user=app password=*** dbname=nhs',
    ],
    [
      `host=db.example password = '${SECRET} with \\' quote' dbname=nhs`,
      'host=db.example password = *** dbname=nhs',
    ],
    [`postgres://app:${SECRET}@h1:5432,h2:5433/nhs?PassWord=${SECRET}`, undefined],
  ])('hides every password libpq accepts: %s', (url, shown) => {
    const text = redactConnectionString(url)
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(encodeURIComponent(SECRET))
    if (shown) expect(text).toBe(shown)
  })

  it('lists the passwords in it, so the Action can mask each', () => {
    expect(connectionPasswords(`postgres://a:${SECRET}@h/db?password=other-pw`)).toEqual([SECRET, 'other-pw'])
    expect(connectionPasswords(`host=h password='${SECRET}'`)).toEqual([SECRET])
    expect(connectionPasswords('postgres://a@h/db')).toEqual([])
  })
})
