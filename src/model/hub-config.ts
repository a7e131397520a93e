/**
 * The hub's own config files as `sources/hub-config.ts` reads them: per server, what the hub would refuse
 * at its next start. Env values are never kept, only the variables' names.
 */

export interface ConfiguredServer {
  name: string;
  transport: 'stdio' | 'sse' | 'invalid';
  disabled: boolean;
  /** Names of env variables (values are secrets and are never read into our data). */
  envKeys: string[];
  /** What the hub would reject, in its words where possible. */
  problems: string[];
}

export interface HubConfigFile {
  /** The path as resolved (relative paths from workspaces.json resolve against the hub's cwd). */
  path: string;
  ok: boolean;
  error?: string;
  servers: ConfiguredServer[];
}

