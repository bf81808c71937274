/**
 * `ukc-deploy`: the action's engine as a command-line program for other CI systems and
 * laptops. Subcommands are the action's commands, flags its inputs; the token comes from
 * UKC_TOKEN only, so it never lands in shell history. Exit codes: 0 success, 1 failure (per
 * --fail-on), 2 bad usage or a bad spec.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import type { Logger } from '../engine/types.js'
import { COMMANDS, FAIL_ON, InputError, ON_FAILURE, readInputs, STRATEGIES } from '../inputs.js'
import { pullState } from '../github/deployment.js'
import { invoke, secretsOf } from '../invoke.js'
import { masker, neutral } from '../report/neutral.js'
import { earlyResult } from '../engine/result.js'
import type { RunResult } from '../engine/types.js'
import type { Wording } from '../fields.js'
import { outcomeLines } from '../report/outcome.js'
import { outputsOf } from '../report/outputs.js'
import { summaryMarkdown } from '../report/summary.js'
import { API_GENERATION_CHOICES } from '../ukc/generation.js'
import { VERSION } from '../version.js'
import { UkcClient } from '../ukc/client.js'
import { isUuid } from '../ukc/names.js'
import { printLogs } from './logs.js'
import { table } from './table.js'

export interface Io {
  out: (text: string) => void
  err: (text: string) => void
  env: Record<string, string | undefined>
  cwd: string
  /** True when stderr is a terminal: progress ticks while a step waits. */
  interactive: boolean
}

const DESCRIPTIONS: Record<(typeof COMMANDS)[number], string> = {
  deploy: 'create or update everything the spec describes, and wait until it runs',
  plan: 'show what deploy would change, without changing anything',
  start: 'start instances (by --names or the spec) and wait until they run',
  stop: 'stop instances (by --names or the spec) and wait until they are stopped',
  delete: "delete instances (by --names or the spec), then the spec's service groups and volumes",
  status: 'show the state of instances (by --names or the spec)',
  sweep: 'delete the previews of closed pull requests'
}

const collect = (value: string, previous: string[]): string[] => [...previous, value]
const collectList = (value: string, previous: string[]): string[] => [
  ...previous,
  ...value.split(',')
]

function logger(io: Io, verbose: boolean): Logger {
  return {
    info: (m) => io.err(`${m}\n`),
    warning: (m) => io.err(`warning: ${m}\n`),
    debug: (m) => verbose && io.err(`${m}\n`),
    async group(title, fn) {
      io.err(`${title} …\n`)
      const started = Date.now()
      // A long wait is never silent: a line every 5 s on a terminal, every 30 s otherwise.
      const every = io.interactive ? 5000 : 30000
      const tick = setInterval(
        () =>
          io.err(
            `  … still ${title.charAt(0).toLowerCase()}${title.slice(1)} (${Math.round((Date.now() - started) / 1000)} s)\n`
          ),
        every
      )
      tick.unref()
      try {
        return await fn()
      } finally {
        clearInterval(tick)
      }
    }
  }
}

interface Flags {
  spec?: string
  metro?: string
  apiUrl?: string
  apiGeneration?: string
  names: string[]
  wait: boolean
  timeout?: string
  drainTimeout?: string
  strategy?: string
  healthCheck?: string
  healthCheckTimeout?: string
  settle?: string
  runtimeBudget?: string
  onFailure?: string
  failOn?: string
  name?: string
  image?: string
  memory?: string
  vcpus?: string
  arg: string[]
  env: string[]
  port: string[]
  domain?: string
  replicas?: string
  scaleToZero?: string
  restartPolicy?: string
  secretEnvFile?: string
  dryRun: boolean
  previewTtl?: string
  sweepTtl: boolean
  protect: boolean
  json: boolean
  summary?: string
  verbose: boolean
  follow?: boolean
  lines?: string
}

/** The action's input names, answered from the flags. */
function inputReader(command: string, f: Flags, io: Io): (name: string) => string {
  const secretEnv = f.secretEnvFile
    ? readFileSync(f.secretEnvFile, 'utf8')
    : (io.env.UKC_SECRET_ENV ?? '')
  const map: Record<string, string | undefined> = {
    command,
    token: '', // only from UKC_TOKEN
    spec: f.spec,
    metro: f.metro ?? io.env.UKC_METRO,
    'api-url': f.apiUrl,
    'api-generation': f.apiGeneration ?? io.env.UKC_API_GENERATION,
    names: f.names.join('\n'),
    wait: f.wait ? 'true' : 'false',
    timeout: f.timeout,
    'drain-timeout': f.drainTimeout,
    strategy: f.strategy,
    'health-check': f.healthCheck,
    'health-check-timeout': f.healthCheckTimeout,
    settle: f.settle,
    'runtime-budget': f.runtimeBudget,
    'on-failure': f.onFailure,
    'fail-on': f.failOn,
    name: f.name,
    image: f.image,
    memory: f.memory,
    vcpus: f.vcpus,
    args: f.arg.join('\n'),
    env: f.env.join('\n'),
    ports: f.port.join('\n'),
    domain: f.domain,
    replicas: f.replicas,
    'scale-to-zero': f.scaleToZero,
    'restart-policy': f.restartPolicy,
    'secret-env': secretEnv,
    'dry-run': f.dryRun ? 'true' : 'false',
    'preview-ttl': f.previewTtl,
    'sweep-ttl': f.sweepTtl ? 'true' : 'false',
    protect: f.protect === false ? 'false' : 'true'
  }
  return (name) => map[name] ?? ''
}

/** The flag that carries an action input whose name differs (the repeatable ones are singular). */
const INPUT_FLAGS: Record<string, string> = {
  args: '--arg',
  ports: '--port',
  'secret-env': '--secret-env-file (or UKC_SECRET_ENV)'
}

/**
 * The CLI's user has flags and environment variables, not inputs: errors about a setting are
 * worded with these names (the action words the same errors with its input names).
 */
export const CLI_WORDS: Wording = {
  name: (field) =>
    field === 'token'
      ? 'the UKC_TOKEN environment variable'
      : field === 'github-token'
        ? 'GITHUB_TOKEN'
        : field === 'shorthand'
          ? '--name and --image'
          : `--${field}`,
  label: (field) => (field === 'token' ? 'UKC_TOKEN' : `--${field}`),
  input: (name) => INPUT_FLAGS[name] ?? `--${name}`
}

/** One JSON document with the action's outputs (objects, not strings), and the error if any. */
function jsonDocument(result: RunResult): string {
  const doc: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(outputsOf(result)))
    doc[k] = k === 'status' || k === 'url' ? v : JSON.parse(v)
  // The console tail of each instance that failed: why, without a second command.
  const consoles = new Map(
    result.objects.filter((o) => o.kind === 'instance' && o.logTail).map((o) => [o.name, o.logTail])
  )
  doc.instances = (doc.instances as { name: string }[]).map((i) =>
    consoles.has(i.name) ? { ...i, console: consoles.get(i.name) } : i
  )
  if (result.error) doc.error = result.error
  if (result.notes.length > 0) doc.notes = result.notes
  return `${JSON.stringify(doc, null, 2)}\n`
}

/** Output with the run's secrets as `***` and server text inert; lines are kept. */
function guarded(io: Io, secrets: Set<string>): Io {
  const mask = masker(secrets)
  const clean = (text: string): string => neutral(mask(text), { keepLines: true })
  return { ...io, out: (t) => io.out(clean(t)), err: (t) => io.err(clean(t)) }
}

async function runCommand(command: (typeof COMMANDS)[number], f: Flags, io: Io): Promise<number> {
  let inputs
  try {
    inputs = readInputs(inputReader(command, f, io), io.env)
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    // Bad usage: the reason on stderr, and with --json still exactly one document on stdout.
    const message = err.worded(CLI_WORDS)
    io.err(`ukc-deploy ${command}: ${message}\n`)
    if (f.json) io.out(jsonDocument(earlyResult(command, { error: message })))
    return 2
  }
  // No runner masks the CLI's output: it replaces the run's secrets itself, and makes server
  // text inert (a CI log may parse workflow commands, a terminal obeys escapes).
  const secrets = secretsOf(inputs)
  io = guarded(io, secrets)
  // sweep asks GitHub which pull requests are closed: GITHUB_TOKEN and GITHUB_REPOSITORY.
  const github =
    command === 'sweep' && io.env.GITHUB_TOKEN && io.env.GITHUB_REPOSITORY
      ? new (await import('../github/rest.js')).GitHubRest(
          io.env.GITHUB_TOKEN,
          io.env.GITHUB_API_URL,
          {
            deadline: Date.now() + inputs.timeoutSeconds * 1000
          }
        )
      : undefined
  const repo = io.env.GITHUB_REPOSITORY ?? ''
  const { result, specError } = await invoke({
    inputs,
    workspace: io.cwd,
    // A laptop's spec may live anywhere it is named; the action keeps files in the repository.
    confined: false,
    env: io.env,
    words: CLI_WORDS,
    logger: logger(io, f.verbose),
    debug: f.verbose ? (l) => io.err(`${l}\n`) : undefined,
    prState: github ? (n) => pullState(github, repo, n) : undefined,
    repository: io.env.GITHUB_REPOSITORY,
    onSecret: (value) => secrets.add(value)
  }).finally(() => github?.dispose())
  if (f.summary) writeFileSync(f.summary, summaryMarkdown(result))
  // stderr always says why, once (stdout is the table or one JSON document); then the console
  // of each instance that failed, then how it ended.
  if (result.error) io.err(`ukc-deploy ${command}: ${result.error}\n`)
  for (const o of result.objects.filter((x) => x.action === 'failed' && x.logTail))
    io.err(`--- console of ${o.name} (last lines) ---\n${o.logTail!.replace(/\n*$/, '\n')}---\n`)
  const ended = outcomeLines(result).filter((l) => !l.startsWith(`✗ ${command}: `))
  if (!specError) for (const line of ended) io.err(`${line}\n`)
  io.out(f.json ? jsonDocument(result) : table(result))
  if (specError) return 2
  return result.failed ? 1 : 0
}

/** `logs`: the console of instances by name or UUID, the last lines, then (following) the rest. */
async function runLogs(f: Flags, io: Io): Promise<number> {
  let inputs
  try {
    inputs = readInputs(inputReader('status', f, io), io.env)
  } catch (err) {
    if (!(err instanceof InputError)) throw err
    io.err(`ukc-deploy logs: ${err.worded(CLI_WORDS)}\n`)
    return 2
  }
  const lines = Number(f.lines ?? '100')
  if (inputs.names.length === 0 || !Number.isInteger(lines) || lines < 1) {
    io.err(
      inputs.names.length === 0
        ? 'ukc-deploy logs: --names is required (instance names or UUIDs)\n'
        : `ukc-deploy logs: --lines: '${f.lines}' is not a whole number of lines, 1 or more\n`
    )
    return 2
  }
  io = guarded(io, secretsOf(inputs))
  const deadline = Date.now() + inputs.timeoutSeconds * 1000
  const client = new UkcClient({
    token: inputs.token,
    metro: inputs.metro,
    apiUrl: inputs.apiUrl,
    generation: inputs.apiGeneration,
    deadline,
    debug: f.verbose ? (l) => io.err(`${l}\n`) : undefined
  })
  try {
    for (const name of inputs.names) {
      if (inputs.names.length > 1) io.out(`==> ${name} <==\n`)
      await printLogs(client, isUuid(name) ? { uuid: name } : { name }, {
        lines,
        follow: f.follow ?? false,
        write: io.out,
        deadline
      })
    }
    return 0
  } catch (err) {
    io.err(`ukc-deploy logs: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  } finally {
    client.close()
  }
}

type Opt = (c: Command) => Command

/** Each flag once; each subcommand takes the ones it uses. */
const FLAGS: Record<string, Opt> = {
  spec: (c) =>
    c.option('-f, --spec <file|yaml>', 'the desired state: a YAML/JSON file, or inline YAML'),
  where: (c) =>
    c
      .option(
        '--metro <code>',
        'fra0, dal0, sin0, was1, fra, dal, sfo, sin or was (default fra0, or UKC_METRO)'
      )
      .option('--api-url <url>', 'full API base URL; overrides --metro (https unless loopback)')
      .addOption(
        new Option(
          '--api-generation <generation>',
          'API shape: classic (kraft.cloud), new (unikraft.cloud), or auto from the host (or UKC_API_GENERATION)'
        ).choices(API_GENERATION_CHOICES)
      )
      .option('--timeout <seconds>', 'for the whole operation, waits included', '120'),
  names: (c) =>
    c.option(
      '-n, --names <list>',
      'instance names or UUIDs, comma-separated or repeated',
      collectList,
      []
    ),
  wait: (c) => c.option('--no-wait', 'do not wait until instances are running (or stopped)'),
  drain: (c) =>
    c.option('--drain-timeout <seconds>', 'to drain connections when stopping, 0..3600', '0'),
  strategy: (c) =>
    c.addOption(
      new Option('--strategy <strategy>', 'how deploy replaces changed instances')
        .choices(STRATEGIES)
        .default('rolling')
    ),
  rollout: (c) =>
    c
      .option('--health-check <path|url>', 'must answer 2xx before a rollout retires old instances')
      .option(
        '--health-check-timeout <seconds>',
        'how long one probe may take, the whole answer included (default 5)'
      )
      .option(
        '--runtime-budget <budget>',
        'what each new version must meet before anything old is retired: boot=100ms, listen=250ms, memory=64MB, wake=50ms, or boot=+20% over production'
      )
      .option(
        '--settle <seconds>',
        'every new instance must stay up this long to count as deployed; 0 turns it off',
        '1'
      )
      .addOption(
        new Option('--on-failure <what>', 'what happens to objects this run created when it fails')
          .choices(ON_FAILURE)
          .default('keep')
      ),
  failOn: (c) =>
    c.addOption(
      new Option('--fail-on <when>', 'when the exit code is 1').choices(FAIL_ON).default('any')
    ),
  shorthand: (c) =>
    c
      .option('--name <name>', 'shorthand: one instance with this name (no spec file)')
      .option('--image <image>', 'shorthand: its image')
      .option('--memory <size>', 'shorthand: MiB, or 256Mi, 1Gi')
      .option('--vcpus <n>', 'shorthand: vCPUs')
      .option('--arg <arg>', 'shorthand: an argument (repeat for more)', collect, [])
      .option(
        '-e, --env <KEY=VALUE>',
        'shorthand: an environment variable (repeat for more)',
        collect,
        []
      )
      .option(
        '-p, --port <mapping>',
        "shorthand: kraft's 443:8080[/http+tls] (repeat for more)",
        collect,
        []
      )
      .option('--domain <name>', 'shorthand: subdomain, or FQDN ending in a dot')
      .option('--replicas <n>', 'shorthand: additional instances')
      .option('--scale-to-zero <policy>', 'shorthand: on, off or idle[:cooldown-ms]')
      .option('--restart-policy <policy>', 'shorthand: never, always or on-failure'),
  secrets: (c) =>
    c.option(
      '--secret-env-file <file>',
      'KEY=VALUE lines added to every instance env (or UKC_SECRET_ENV)'
    ),
  dryRun: (c) => c.option('--dry-run', 'only list what would be deleted', false),
  protect: (c) =>
    c.option(
      '--no-protect',
      'new platform: do not lock production instances against deletion once they are up'
    ),
  ttl: (c) =>
    c
      .option(
        '--sweep-ttl',
        'also delete previews older than --preview-ttl whose pull request is still open',
        false
      )
      .option('--preview-ttl <duration>', 'how long a preview lives: 30m, 12h, 3d (default 7d)'),
  report: (c) =>
    c
      .option(
        '--json',
        'print one JSON document with the action outputs (objects, not strings)',
        false
      )
      .option('--summary <file>', 'write the Markdown summary to this file')
      .option('-v, --verbose', 'print every request (bodies redacted)', false)
}

const USES: Record<(typeof COMMANDS)[number], string[]> = {
  deploy: [
    'spec',
    'shorthand',
    'secrets',
    'where',
    'wait',
    'drain',
    'strategy',
    'rollout',
    'protect',
    'failOn',
    'report'
  ],
  // plan reads and decides: what deploy would do, so only what changes the decision.
  plan: ['spec', 'shorthand', 'secrets', 'where', 'strategy', 'failOn', 'report'],
  start: ['spec', 'names', 'where', 'wait', 'failOn', 'report'],
  stop: ['spec', 'names', 'where', 'wait', 'drain', 'failOn', 'report'],
  delete: ['spec', 'names', 'where', 'drain', 'dryRun', 'failOn', 'report'],
  status: ['spec', 'names', 'where', 'failOn', 'report'],
  sweep: ['where', 'drain', 'dryRun', 'ttl', 'failOn', 'report']
}

const EXIT_CODES = `
Exit codes: 0 success, 1 failure (per --fail-on), 2 bad usage or a bad spec.
Environment: UKC_TOKEN (required), UKC_METRO, UKC_API_GENERATION, UKC_SECRET_ENV; sweep also GITHUB_TOKEN and GITHUB_REPOSITORY.`

const DEFAULT_FLAGS: Flags = {
  names: [],
  arg: [],
  env: [],
  port: [],
  wait: true,
  dryRun: false,
  sweepTtl: false,
  protect: true,
  json: false,
  verbose: false
}

export function program(io: Io, onExit: (code: number) => void): Command {
  const root = new Command('ukc-deploy')
    .description(
      'Deploy to Unikraft Cloud from any CI system or a laptop. The token comes from UKC_TOKEN.'
    )
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for the flags)')
    .addHelpText('after', EXIT_CODES)
  for (const name of COMMANDS) {
    let sub = root.command(name).description(DESCRIPTIONS[name]).exitOverride()
    for (const use of USES[name]) sub = FLAGS[use](sub)
    sub
      .addHelpText('after', EXIT_CODES)
      .action(async (flags: Partial<Flags>) =>
        onExit(await runCommand(name, { ...DEFAULT_FLAGS, ...flags }, io))
      )
  }
  const logs = FLAGS.where(FLAGS.names(root.command('logs')))
    .description("print instances' console output (by --names), and with --follow what follows")
    .option(
      '--follow',
      'keep printing what the instance writes, until it stops or --timeout',
      false
    )
    .option('--lines <n>', 'how many of the last lines to print first', '100')
    .option('-v, --verbose', 'print every request', false)
    .exitOverride()
  logs
    .addHelpText('after', EXIT_CODES)
    .action(async (flags: Partial<Flags>) =>
      onExit(await runLogs({ ...DEFAULT_FLAGS, ...flags }, io))
    )
  return root
}

/** Runs the program; resolves to the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let code = 0
  try {
    const root = program(io, (c) => (code = c))
    if (argv.length <= 2) {
      root.outputHelp()
      return 2
    }
    await root.parseAsync(argv)
    return code
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
    io.err(`ukc-deploy: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}
