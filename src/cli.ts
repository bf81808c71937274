/** The `ukc-deploy` command (bin/ukc-deploy.js runs the bundle built from here). */
import { main } from './cli/program.js'

process.exitCode = await main(process.argv, {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
  interactive: Boolean(process.stderr.isTTY)
})
