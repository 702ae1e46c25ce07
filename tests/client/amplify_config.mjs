// Prints the configuration Amplify JS itself derives from an amplify_outputs.json file, so a
// test can check that the client's file means to Amplify what the client meant.
// Usage: node tests/client/amplify_config.mjs PATH
import { readFileSync } from "node:fs";
import { Amplify } from "aws-amplify";

const outputs = JSON.parse(readFileSync(process.argv[2], "utf8"));
Amplify.configure(outputs);
process.stdout.write(JSON.stringify(Amplify.getConfig()));
