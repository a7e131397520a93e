/** The shapes of a Prometheus rule file as the exports build it. */

/** One recording or alerting rule, as Prometheus reads it. */
export interface PromRule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rule with the comment written before it in the generated file (why this threshold, this `for`). */
export interface CommentedRule {
  rule: PromRule;
  comment?: string;
}

/** A rule group; `interval` is its evaluation period. */
export interface RuleGroup {
  name: string;
  interval: string;
  rules: CommentedRule[];
}
