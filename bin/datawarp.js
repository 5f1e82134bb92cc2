#!/usr/bin/env node
import { main } from '../build/cli/main.js'

// Exit explicitly: the embedded PostgreSQL's exit hook would otherwise end the process with code 0.
process.exit(await main(process.argv.slice(2)))
