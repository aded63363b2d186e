// Differential lab origin on Node.js's own HTTP parser (llhttp): logs, for every request
// it acts on, the method, target and body it parsed (one JSON line each) and answers 200.
// Usage: node node_origin.js PORT LOGFILE
'use strict';
const http = require('http');
const fs = require('fs');
const [port, logFile] = process.argv.slice(2);
const log = fs.openSync(logFile, 'a');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const line = JSON.stringify({
      id: req.headers['x-diff-id'] || '', method: req.method, target: req.url,
      body: Buffer.concat(chunks).toString('latin1'),
    });
    fs.writeSync(log, line + '\n');
    res.end('ok\n');
  });
}).listen(Number(port), '0.0.0.0');
