/** The `ukc-deploy` command (bin/ukc-deploy.js runs the bundle built from here). */
import { main } from './cli/program.js'

// A reader that stops early (`ukc-deploy --help | head -1`) closes the pipe: that is not an
// error of ours, so the program ends quietly, as a Unix tool does.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0)
    throw err
  })

process.exitCode = await main(process.argv, {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
  interactive: Boolean(process.stderr.isTTY)
})
