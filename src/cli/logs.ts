/**
 * `ukc-deploy logs`: an instance's console through the API's log endpoint (ukc-api.md §6.10),
 * paged by byte offsets: the last `lines` lines first, then, with `follow`, what is written
 * after, until the instance stops or the time runs out.
 */
import { describeItem } from '../ukc/envelope.js'
import type { UkcClient } from '../ukc/client.js'
import { decodeLog } from '../ukc/instances.js'
import type { InstanceLog, ObjectRef } from '../ukc/types.js'

/** The most bytes one log request may ask for (the API's maximum, 16383). */
export const LOG_PAGE = 16383

export interface LogsOptions {
  lines: number
  follow: boolean
  /** Where the console text goes (already made inert by the caller). */
  write: (text: string) => void
  deadline: number
  /** How long to wait between reads while following. */
  pollMs?: number
}

/** States after which a console is not written to any more. */
const DONE = new Set(['stopped', 'standby', 'deleted'])

async function page(
  client: UkcClient,
  ref: ObjectRef,
  offset: number,
  limit: number
): Promise<InstanceLog> {
  const r = await client.instances.logs([{ ...ref, offset, limit }])
  const item = r.items[0]
  if (!item?.ok) throw new Error(item ? describeItem(item) : 'the API answered no log')
  return item.value
}

/** The last `lines` lines, read backwards a page at a time; and the byte offset they end at. */
async function tail(
  client: UkcClient,
  ref: ObjectRef,
  lines: number
): Promise<{ text: string; end: number; state?: string }> {
  const last = await page(client, ref, -LOG_PAGE, LOG_PAGE)
  let text = decodeLog(last)
  let start = last.range.start
  while (text.split('\n').length <= lines + 1 && start > last.available.start) {
    const from = Math.max(last.available.start, start - LOG_PAGE)
    text = decodeLog(await page(client, ref, from, start - from)) + text
    start = from
  }
  const kept = text.replace(/\n$/, '').split('\n').slice(-lines).join('\n')
  return { text: kept ? `${kept}\n` : '', end: last.range.end, state: last.state }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Prints one instance's console; returns when it is printed (and, following, when it ends). */
export async function printLogs(
  client: UkcClient,
  ref: ObjectRef,
  opts: LogsOptions
): Promise<void> {
  const first = await tail(client, ref, opts.lines)
  opts.write(first.text)
  if (!opts.follow) return
  let end = first.end
  while (Date.now() < opts.deadline) {
    const next = await page(client, ref, end, LOG_PAGE)
    if (next.range.end > end) opts.write(decodeLog(next))
    end = next.range.end
    // Caught up with a console that is no longer written: done.
    if (end >= next.available.end && DONE.has(next.state ?? '')) return
    if (end >= next.available.end) await pause(opts.pollMs ?? 1000)
  }
}
