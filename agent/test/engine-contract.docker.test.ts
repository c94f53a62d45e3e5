import { DockerEngine } from '../src/engine/docker-engine.js';
import { engineContract } from './engine-contract.js';
import { docker, IMG } from './harness.js';

// The same suite holds the fake to this engine: agent/src/engine/fake-engine.test.ts.
engineContract('Docker', () => new DockerEngine(docker), IMG);
