import { describe, expect, test } from 'vitest';
import { labelValuesMetric, metricNames } from './promql-names.js';

describe('metricNames', () => {
  test.each([
    ['a bare selector', 'mcp_hub_up', ['mcp_hub_up']],
    ['label matchers and regexes are not names', 'mcp_hub_state{state=~"starting|restarting",hub="a b"} == 1', ['mcp_hub_state']],
    ['functions and aggregations are not names; by/without lists are labels', 'histogram_quantile(0.95, sum by (le, hub) (rate(mcp_hub_probe_duration_seconds_bucket{hub=~"$hub"}[5m])))', ['mcp_hub_probe_duration_seconds_bucket']],
    ['ignoring/on lists, bool and set operators', '(x_seconds <= bool 0.05) and ignoring(state) (mcp_hub_state{state="unreachable"} == 0) unless on(hub) y', ['mcp_hub_state', 'x_seconds', 'y']],
    ['recording rule names with colons', '(1 - hub:mcp_hub_availability_good:ratio_1h) / 0.001 > 14.4', ['hub:mcp_hub_availability_good:ratio_1h']],
    ['numbers in exponent form and Grafana variables', 'rss_bytes > 5e+08 and increase(c_total[$__rate_interval]) > ${threshold}', ['c_total', 'rss_bytes']],
    ['Sloth window templates', 'sum by (hub) (count_over_time(mcp_hub_up[{{.window}}]) - sum_over_time(mcp_hub_up[{{.window}}]))', ['mcp_hub_up']],
    ['aggregation with the clause after', 'sum(a_total) by (job) / count(b) without (x) offset 5m', ['a_total', 'b']],
    ['absent() of a metric', 'absent(mcp_hub_up)', ['mcp_hub_up']],
  ])('%s', (_name, expr, want) => {
    expect(metricNames(expr)).toEqual(want);
  });
});

test('labelValuesMetric reads the metric of a label_values() variable query', () => {
  expect(labelValuesMetric('label_values(mcp_hub_up, hub)')).toBe('mcp_hub_up');
  expect(labelValuesMetric('label_values(mcp_hub_up{job="x"}, hub)')).toBe('mcp_hub_up');
  expect(labelValuesMetric('label_values(hub)')).toBeUndefined();
});
