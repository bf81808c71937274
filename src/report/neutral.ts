/**
 * Server text made inert before it is printed anywhere a machine reads it: the runner parses
 * every log line for workflow commands (`::cmd::` at a line's start, the older `##[cmd]`
 * anywhere in it), and a terminal obeys escape sequences. Names, messages, FQDNs, console
 * lines and states come from the API or from an instance, so whatever they carry is shown,
 * never obeyed.
 */

const ZWSP = '\u200b'

/** A control character as a visible stand-in: C0 as its control picture (␛, ␇, ␍), C1 and DEL as �. */
function picture(c: string): string {
  const code = c.charCodeAt(0)
  return code < 0x20 ? String.fromCharCode(0x2400 + code) : '\ufffd'
}

/**
 * Control characters replaced (a line break is kept with `keepLines`, else shown as ⏎), bidi
 * overrides dropped, and `::` and `##[` broken by a zero-width space wherever they stand.
 */
export function neutral(text: string, opts: { keepLines?: boolean } = {}): string {
  const lines = opts.keepLines
    ? text.replace(/\r\n/g, '\n').replace(/[\u2028\u2029]/g, '\n')
    : text.replace(/[\r\n\u2028\u2029]+/g, ' ⏎ ')
  return (
    lines
      // C0 but tab and line feed, DEL, C1: matching them is the point.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, picture)
      // Bidirectional overrides and isolates can make a line read as something else.
      .replace(/[\u202a-\u202e\u2066-\u2069]/g, '\ufffd')
      .replace(/:(?=:)/g, `:${ZWSP}`)
      .replace(/##\[/g, `#${ZWSP}#[`)
  )
}

/** Every secret of a run replaced by `***`, longest first (a secret may contain another). */
export function masker(secrets: Iterable<string>): (text: string) => string {
  return (text) => {
    const list = [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)
    return list.reduce((t, s) => t.split(s).join('***'), text)
  }
}
