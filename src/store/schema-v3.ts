/**
 * Schema version 3: a failed poll's `hub.up` is 0 (the hub was not up), no longer NULL. Earlier versions
 * stored NULL with the failure class in `err`; this rewrites those rows, and the rollups folded from them,
 * so every reader (charts, ratios, reports) sees the same 0 the daemon now writes. Only `hub.up`: other
 * series keep NULL for "no value" (a failed probe, a poll that could not read a number).
 */
const HUB_UP = "(SELECT id FROM series WHERE name = 'hub.up')";

/** The rows a failed poll left: NULL with an error is 0; rollups count them as 0s, not as missing values. */
export const SCHEMA_V3 = `
UPDATE samples SET v = 0 WHERE v IS NULL AND err IS NOT NULL AND series_id IN ${HUB_UP};
UPDATE rollup_1m SET sum = coalesce(sum, 0), min = 0, max = coalesce(max, 0), n_err = 0 WHERE n_err > 0 AND series_id IN ${HUB_UP};
UPDATE rollup_1h SET sum = coalesce(sum, 0), min = 0, max = coalesce(max, 0), n_err = 0 WHERE n_err > 0 AND series_id IN ${HUB_UP};
`;
