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
import { GitHubRest } from '../github/rest.js'
import { invoke } from '../invoke.js'
import { outputsOf } from '../report/outputs.js'
import { summaryMarkdown } from '../report/summary.js'
import { VERSION } from '../version.js'
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
  names: string[]
  wait: boolean
  timeout?: string
  drainTimeout?: string
  strategy?: string
  healthCheck?: string
  settle?: string
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
  json: boolean
  summary?: string
  verbose: boolean
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
    names: f.names.join('\n'),
    wait: f.wait ? 'true' : 'false',
    timeout: f.timeout,
    'drain-timeout': f.drainTimeout,
    strategy: f.strategy,
    'health-check': f.healthCheck,
    settle: f.settle,
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
    'dry-run': f.dryRun ? 'true' : 'false'
  }
  return (name) => map[name] ?? ''
}

async function runCommand(command: (typeof COMMANDS)[number], f: Flags, io: Io): Promise<number> {
  let inputs
  try {
    inputs = readInputs(inputReader(command, f, io), io.env)
  } catch (err) {
    if (err instanceof InputError) {
      io.err(
        `ukc-deploy ${command}: ${err.message.replace(/^token: .*$/m, 'no UKC API token: set the UKC_TOKEN environment variable')}\n`
      )
      return 2
    }
    throw err
  }
  // sweep asks GitHub which pull requests are closed: GITHUB_TOKEN and GITHUB_REPOSITORY.
  const github =
    io.env.GITHUB_TOKEN && io.env.GITHUB_REPOSITORY
      ? new GitHubRest(io.env.GITHUB_TOKEN, io.env.GITHUB_API_URL)
      : undefined
  const repo = io.env.GITHUB_REPOSITORY ?? ''
  const { result, specError } = await invoke({
    inputs,
    workspace: io.cwd,
    env: io.env,
    logger: logger(io, f.verbose),
    debug: f.verbose ? (l) => io.err(`${l}\n`) : undefined,
    prState: github ? (n) => pullState(github, repo, n) : undefined,
    repository: io.env.GITHUB_REPOSITORY
  }).finally(() => github?.dispose())
  if (f.summary) writeFileSync(f.summary, summaryMarkdown(result))
  if (f.json) {
    const outputs = outputsOf(result)
    const doc: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(outputs))
      doc[k] = k === 'status' || k === 'url' ? v : JSON.parse(v)
    if (result.error) doc.error = result.error
    if (result.notes.length > 0) doc.notes = result.notes
    io.out(`${JSON.stringify(doc, null, 2)}\n`)
  } else io.out(table(result))
  if (specError) return 2
  return result.failed ? 1 : 0
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
  for (const name of COMMANDS) {
    root
      .command(name)
      .description(DESCRIPTIONS[name])
      .option('-f, --spec <file|yaml>', 'the desired state: a YAML/JSON file, or inline YAML')
      .option(
        '--metro <code>',
        'fra0, dal0, sin0, was1, fra, dal, sfo, sin or was (default fra0, or UKC_METRO)'
      )
      .option('--api-url <url>', 'full API base URL; overrides --metro (https unless loopback)')
      .option(
        '-n, --names <list>',
        'instance names or UUIDs, comma-separated or repeated',
        collectList,
        []
      )
      .option('--no-wait', 'do not wait until instances are running (or stopped)')
      .option('--timeout <seconds>', 'for the whole operation, waits included (default 120)')
      .option(
        '--drain-timeout <seconds>',
        'to drain connections when stopping, 0..3600 (default 0)'
      )
      .addOption(
        new Option('--strategy <strategy>', 'how deploy replaces changed instances').choices(
          STRATEGIES
        )
      )
      .option('--health-check <path|url>', 'must answer 2xx before a rollout retires old instances')
      .option(
        '--settle <seconds>',
        'every new instance must stay up this long to count as deployed; 0 turns it off (default 1)'
      )
      .addOption(
        new Option(
          '--on-failure <what>',
          'what happens to objects this run created when it fails (default keep)'
        ).choices(ON_FAILURE)
      )
      .addOption(new Option('--fail-on <when>', 'when the exit code is 1').choices(FAIL_ON))
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
      .option('--restart-policy <policy>', 'shorthand: never, always or on-failure')
      .option(
        '--secret-env-file <file>',
        'KEY=VALUE lines added to every instance env (or UKC_SECRET_ENV)'
      )
      .option(
        '--json',
        'print one JSON document with the action outputs (objects, not strings)',
        false
      )
      .option('--dry-run', 'sweep and delete only list what they would delete', false)
      .option('--summary <file>', 'write the Markdown summary to this file')
      .option('-v, --verbose', 'print every request (bodies redacted)', false)
      .action(async (flags: Flags) => onExit(await runCommand(name, flags, io)))
  }
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
