// Reads its input the way Node.js actions do, and writes an output to $GITHUB_OUTPUT.
import { appendFileSync } from 'node:fs';
const text = process.env.INPUT_TEXT ?? '';
console.log(`stamped: ${text}`);
appendFileSync(process.env.GITHUB_OUTPUT, `length=${text.length}\n`);
