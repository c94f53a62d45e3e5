#!/usr/bin/env node
import { main } from '../dist/bundle/main.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    // Only a bug in dockercise itself reaches this point: user mistakes are reported by main().
    console.error('dockercise: internal error:', error);
    process.exitCode = 70;
  },
);
