// ts-jest in ESM mode, as verified in reference/style-anchors.md §4.1.
const project = {
  preset: 'ts-jest',
  resolver: 'ts-jest-resolver',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js'],
  testEnvironment: 'node',
  testPathIgnorePatterns: ['/dist/', '/node_modules/', '/build/'],
  clearMocks: true,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }]
  }
}

export default {
  // e2e tests run the bundled action as a child process; a rollout takes seconds.
  testTimeout: 30000,
  // The e2e suites mostly wait (on servers, timers, child processes), not compute: one worker
  // a core (jest's default is one less) took `npm test` from 343 s to 251 s on 2 cores. Three
  // workers took 137 s, but timing-sensitive e2e tests then failed now and then: not worth it.
  maxWorkers: '100%',
  projects: [
    // Everything against the classic API (the emulator's default, as the seed describes it).
    { ...project, displayName: 'classic', testMatch: ['**/test/**/*.test.ts'] },
    // Every e2e scenario again against the new platform (issue 19): the emulator in
    // `--generation new` and the action with `api-generation: new` (test/support/emulator.ts).
    {
      ...project,
      displayName: 'new',
      testMatch: ['**/test/e2e/*.test.ts'],
      globals: { UKC_API_GENERATION: 'new' }
    }
  ]
}
