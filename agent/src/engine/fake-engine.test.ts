import { contractFakeEngine, engineContract } from '../../test/engine-contract.js';

// The same suite runs on the real engine in agent/test/engine-contract.docker.test.ts.
engineContract('fake', contractFakeEngine, 'dockercise-test/busybox');
