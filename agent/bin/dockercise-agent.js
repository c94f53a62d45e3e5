#!/usr/bin/env node
import { agentMain } from '../dist/daemon/agent-program.js';

agentMain(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Only a bug in the agent itself reaches this point: configuration mistakes are reported by agentMain().
    console.error('dockercise-agent: internal error:', error);
    process.exitCode = 70;
  },
);
