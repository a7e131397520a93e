/**
 * The demo's traffic: the tap (`mcp-hub-monitor tap`) in front of the demo's hub, on the daemon's state dir,
 * and a client that calls a tool of each server through it every few seconds — so the monitor sees real
 * calls, then the crashed server's calls failing with "Not connected".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { httpGet } from '../sources/http-get.js';

export interface DemoTap {
  child: ChildProcess;
  url: string;
  /** SIGTERM, and waits for the exit. */
  stop(): Promise<void>;
}

/** Starts the tap on `127.0.0.1:port` and resolves once it says it listens (or rejects with its stderr). */
export function startDemoTap(cli: string, hubUrl: string, port: number, stateDir: string, env: NodeJS.ProcessEnv): Promise<DemoTap> {
  const child = spawn(process.execPath, [cli, 'tap', '--listen', `127.0.0.1:${port}`, '--hub', hubUrl, '--state-dir', stateDir], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void stop(); reject(new Error(`the tap did not listen within 15 s: ${err}`)); }, 15_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-4_000);
      if (err.includes('tap: listening on')) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${port}`, stop });
      }
    });
    void exited.then(() => { clearTimeout(timer); reject(new Error(`the tap exited: ${err}`)); });
  });
}

/** One REST tool call the demo makes: the server, the tool and its arguments. */
export interface DemoCall { server: string; tool: string; arguments: Record<string, unknown> }

export interface ToolCaller {
  /** Calls made and calls that failed (HTTP status >= 400 or no answer), as the client saw them. */
  counts(): { calls: number; failed: number };
  /** Stops calling and waits for the calls under way (each has a 5 s deadline). */
  stop(): Promise<void>;
}

/** `POST /api/servers/tools` through the tap for each of `calls`, every `everyMs`, until stopped. */
export function callToolsEvery(baseUrl: string, calls: readonly DemoCall[], everyMs: number): ToolCaller {
  let stopped = false;
  let made = 0;
  let failed = 0;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  const round = async () => {
    for (const c of calls) {
      const res = await httpGet(`${baseUrl}/api/servers/tools`, {
        method: 'POST', timeoutMs: 5_000, maxBytes: 1 << 20,
        body: JSON.stringify({ server_name: c.server, tool: c.tool, arguments: c.arguments }),
      });
      made++;
      if (!res.ok || res.status >= 400) failed++;
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await round();
      if (stopped) break;
      await new Promise<void>((r) => { wake = r; timer = setTimeout(r, everyMs); });
    }
  })();
  return {
    counts: () => ({ calls: made, failed }),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await loop;
    },
  };
}
