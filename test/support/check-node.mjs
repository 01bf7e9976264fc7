/** Guards `npm start` / `npm test`: the project runs on Node 22 (npm package `node`), never the machine's 20. */
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  console.error(`Node ${process.versions.node} is running; this project needs Node 22+. Run through npm scripts (they use node_modules/.bin/node) after npm ci.`);
  process.exit(1);
}
