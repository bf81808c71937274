/** Kept equal to package.json's and CHANGELOG.md's by scripts/release.ts (checked in test/unit/release.test.ts). */
export const VERSION = '0.1.0'
export const PRODUCT = 'ukc-deploy'
