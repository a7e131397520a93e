/**
 * The direction rules between the folders of src/ (docs/architecture.md, "The direction rules"), checked by
 * `npm run lint` (dependency-cruiser), which `npm test` runs. Type-only imports count: a rule about where
 * data may come from holds for its types too. Tests beside the modules (`*.test.ts`) are exempt: they build
 * their fixtures with the real parsers and stand up real parts across the layers.
 * test/integration/layering.test.ts adds one violation of each rule to a copy of src/ and checks it fails.
 */
const code = '^src/';
const test = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'evaluate-no-io',
      comment:
        'Evaluators are pure functions of (observations, history, config, now): no file system, network, ' +
        'processes or timers, and no package (any of them may do I/O). Time reaches them as `now`.',
      severity: 'error',
      from: { path: '^src/evaluate/', pathNot: test },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'],
        pathNot: '^(node:)?(path|util|assert)$',
      },
    },
    {
      name: 'evaluate-no-layers',
      comment:
        'Evaluators read observations from src/model/, never from the sources that make them, the store, the ' +
        'channels, the daemon, a view or the CLI; nor the clock and the schedule (the caller passes `now`).',
      severity: 'error',
      from: { path: '^src/evaluate/', pathNot: test },
      to: { path: ['^src/(sources|store|notify|daemon|views|cli|alerts)/', '^src/model/(clock|schedule)\\.ts$'] },
    },
    {
      name: 'sources-never-decide',
      comment:
        'A source reports what it saw, or why it could not see; whether that is OK, a warning or critical is ' +
        "an evaluator's call, and when to tell whom is alerting's. Sources do not reach into the daemon that runs them either.",
      severity: 'error',
      from: { path: '^src/sources/', pathNot: test },
      to: { path: '^src/(evaluate|alerts|daemon)/' },
    },
    {
      name: 'no-view-imports',
      comment:
        'Only the CLI (the entry point, src/cli/main.ts, and its commands) and other views import a view. The ' +
        "daemon's HTTP server (views/http/) is started by cli/commands/daemon.ts, and what the server needs of " +
        'the daemon flows the other way (views/http/ imports daemon types), so no exception is needed.',
      severity: 'error',
      from: { path: code, pathNot: ['^src/(cli|views)/', test] },
      to: { path: '^src/views/' },
    },
    {
      name: 'no-cli-imports',
      comment: 'Nothing imports the CLI but the CLI itself.',
      severity: 'error',
      from: { path: code, pathNot: ['^src/cli/', test] },
      to: { path: '^src/cli/' },
    },
    {
      name: 'model-is-the-bottom',
      comment: 'src/model/ is shared by every stage, so it imports none of them.',
      severity: 'error',
      from: { path: '^src/model/', pathNot: test },
      to: { path: code, pathNot: '^src/model/' },
    },
    {
      name: 'otel-only-when-enabled',
      comment:
        'The OpenTelemetry SDK is loaded only when otel.enabled is set: src/otel/telemetry.ts (which imports it) ' +
        'is reached by a dynamic import, so the tap and the daemon do not parse the SDK when export is off.',
      severity: 'error',
      from: { path: code, pathNot: ['^src/otel/', test] },
      to: { path: '^src/otel/telemetry\\.ts$', dependencyTypesNot: ['dynamic-import', 'type-only'] },
    },
    {
      name: 'otel-sdk-in-one-place',
      comment:
        'Only src/otel/telemetry.ts imports @opentelemetry packages (others may import their types): one place ' +
        'knows the SDK, and the rule above keeps it off every start-up path.',
      severity: 'error',
      from: { path: code, pathNot: ['^src/otel/telemetry\\.ts$', test] },
      to: { path: '@opentelemetry/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-circular',
      comment: 'An import cycle ties two modules into one; break it by moving the shared part down.',
      severity: 'error',
      from: { path: code },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
