// Validate an OpenAPI (or Swagger 2) file, JSON or YAML, with @apidevtools/swagger-parser.
// Usage: node tools/lab/validate_openapi.mjs FILE
// Prints "valid: <title> <n> paths" and exits 0, or prints the error and exits 1
// (2 for a usage error or when the module is missing).
// The module comes from the fixed prefix tools/setup.sh installs it into
// (BULWARK_TEST_NODE overrides it): npm install --prefix /opt/bulwark-test-node @apidevtools/swagger-parser
import { createRequire } from "node:module";
import path from "node:path";

const prefix = process.env.BULWARK_TEST_NODE || "/opt/bulwark-test-node";
const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error("usage: node validate_openapi.mjs FILE");
  process.exit(2);
}

let SwaggerParser;
try {
  // createRequire resolves from <prefix>/node_modules, whatever the working directory.
  const require = createRequire(path.join(prefix, "package.json"));
  SwaggerParser = require("@apidevtools/swagger-parser");
} catch (e) {
  console.error(`validate_openapi: @apidevtools/swagger-parser not found under ${prefix} (tools/setup.sh installs it): ${e.message}`);
  process.exit(2);
}

try {
  // validate() parses JSON or YAML, resolves $refs and checks the document against the
  // OpenAPI schema and its rules (unique operationIds, path parameters declared, ...).
  const api = await SwaggerParser.validate(path.resolve(file));
  // swagger-parser checks only the schema of OpenAPI 3 documents; two of the rules it
  // enforces for Swagger 2 matter to the appliance's spec diff, so check them here too.
  const problems = [];
  const seenIds = new Map();
  const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
  for (const [p, item] of Object.entries(api.paths || {})) {
    const inPath = (item.parameters || []).filter((x) => x.in === "path").map((x) => x.name);
    const names = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const m of methods.filter((m) => item[m])) {
      const op = item[m];
      const declared = new Set(inPath.concat((op.parameters || []).filter((x) => x.in === "path").map((x) => x.name)));
      for (const n of names) if (!declared.has(n)) problems.push(`${m.toUpperCase()} ${p}: path parameter {${n}} is not declared`);
      for (const n of declared) if (!names.includes(n)) problems.push(`${m.toUpperCase()} ${p}: path parameter ${n} is not in the path`);
      if (op.operationId) {
        if (seenIds.has(op.operationId)) problems.push(`${m.toUpperCase()} ${p}: operationId ${op.operationId} is also used by ${seenIds.get(op.operationId)}`);
        else seenIds.set(op.operationId, `${m.toUpperCase()} ${p}`);
      }
    }
  }
  if (problems.length) throw new Error(`OpenAPI validation failed.\n  ${problems.join("\n  ")}`);
  const title = api.info && api.info.title;
  console.log(`valid: ${title} ${Object.keys(api.paths || {}).length} paths`);
  process.exit(0);
} catch (e) {
  console.error(`invalid: ${file}: ${e.message}`);
  process.exit(1);
}
