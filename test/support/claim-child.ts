/**
 * A process that claims a store folder (dir-lock.ts) and says how it went on stdout: `won PID` or
 * `busy`, then, when it won, holds the claim until its stdin closes. Bundled and run by
 * test/unit/store-lock.test.ts (several at once, and under a parent that never reaps it).
 */
import { claimStore, type ClaimKind } from '../../src/batch/dir-lock';

const [dir, kind] = process.argv.slice(2) as [string, ClaimKind];
claimStore(dir, kind).then(
  (claim) => {
    process.stdout.write(`won ${process.pid}\n`);
    process.stdin.resume();
    process.stdin.on('end', () => void claim.release().then(() => process.exit(0)));
  },
  (error: Error) => {
    process.stdout.write(/in use by/.test(error.message) ? 'busy\n' : `error ${error.message}\n`);
    process.exit(0);
  },
);
