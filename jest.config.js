// ts-jest in ESM mode, as verified in reference/style-anchors.md §4.1.
export default {
  preset: 'ts-jest',
  resolver: 'ts-jest-resolver',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js'],
  testEnvironment: 'node',
  testMatch: ['**/test/**/*.test.ts'],
  testPathIgnorePatterns: ['/dist/', '/node_modules/', '/build/'],
  clearMocks: true,
  // e2e tests run the bundled action as a child process; a rollout takes seconds.
  testTimeout: 30000,
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', useESM: true }]
  }
}
