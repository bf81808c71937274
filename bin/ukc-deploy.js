#!/usr/bin/env node
// The ukc-deploy command: the bundled CLI (npm run bundle builds dist/cli/index.js).
import '../dist/cli/index.js'
