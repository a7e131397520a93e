'use strict';
/**
 * Binds mcp-hub to loopback. mcp-hub has no --host option: it calls `app.listen(port)`, which listens on
 * every interface, and it has no authentication (anyone who reaches the port can call /api/hard-restart,
 * stop servers and run their tools). Preload this file and every `listen()` that names no host binds
 * 127.0.0.1 instead; a listen that names a host, a socket path or a handle is left alone.
 *
 *   NODE_OPTIONS="--require /path/to/mcp-hub-monitor/preload/loopback.cjs" mcp-hub --port 7000 --config …
 *   node --require /path/to/mcp-hub-monitor/preload/loopback.cjs "$(command -v mcp-hub)" --port 7000 --config …
 *
 * MCP_HUB_HOST=<address> binds that address instead (e.g. ::1, or a private interface you firewall).
 * Plain CommonJS with no dependencies, so any Node the hub runs on can load it.
 */
const net = require('node:net');

const host = process.env.MCP_HUB_HOST || '127.0.0.1';
const listen = net.Server.prototype.listen;

/** The arguments of a listen() call with `host` added when the call names none (see net.Server#listen). */
function withHost(args) {
  const [first, second] = args;
  if (first !== null && typeof first === 'object') {
    const named = first.host !== undefined || first.path !== undefined || first.fd !== undefined
      || first.handle !== undefined || first._handle !== undefined;
    return named ? args : [{ ...first, host }, ...args.slice(1)];
  }
  if (typeof first === 'function') return [0, host, ...args];
  if (typeof first === 'string' && !/^\d+$/.test(first)) return args; // a Unix socket or pipe path
  if (typeof second === 'string') return args; // listen(port, host, …)
  return [first, host, ...args.slice(1)];
}

net.Server.prototype.listen = function listenOnLoopback(...args) {
  return listen.apply(this, withHost(args));
};
