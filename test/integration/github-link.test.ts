/** The GitHub client follows `Link: rel="next"` only to the GitHub API host: the token goes nowhere else. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GitHubRest } from '../../src/github/rest.js'

let server: Server
let base = ''
const seen: string[] = []
let evil: Server
let evilHits = 0

beforeAll(async () => {
  evil = createServer((_req, res) => {
    evilHits++
    res.end('[]')
  })
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()))
  const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`
  server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization}`)
    const page = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('page') ?? '1')
    const next =
      page === 1
        ? `<${base}/items?per_page=100&page=2>; rel="next"`
        : `<${evilUrl}/steal?page=3>; rel="next"`
    res.writeHead(200, { 'content-type': 'application/json', link: next })
    res.end(JSON.stringify([page]))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => {
  server.close()
  evil.close()
})

describe('GitHub pagination', () => {
  it('follows next pages on the API host and stops at a Link to any other host', async () => {
    const gh = new GitHubRest('gh-secret', base)
    try {
      expect(await gh.all<number>('/items')).toEqual([1, 2])
    } finally {
      gh.dispose()
    }
    expect(seen).toHaveLength(2)
    expect(evilHits).toBe(0)
  })
})
