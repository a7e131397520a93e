#!/usr/bin/env bash
# Baseline: the shape of the seed's scripts/check-alerts.sh — 1 curl, 6 jq, 4 bc — against the same hub.
# It reads the fork's stats route as the seed does, falling back to /api/health for upstream hubs.
URL=${1:?hub url}
body=$(curl -s --max-time 5 "$URL/api/filtering/stats")
echo "$body" | jq -e . >/dev/null 2>&1 || body=$(curl -s --max-time 5 "$URL/api/health")
success=$(echo "$body" | jq -r '.llm.successRate // 0')
p95=$(echo "$body" | jq -r '.llm.p95Latency // 0')
hit=$(echo "$body" | jq -r '.llmCache.hitRate // 0')
queue=$(echo "$body" | jq -r '.queue.depth // 0')
cb=$(echo "$body" | jq -r '.circuitBreaker.state // "unknown"')
state=$(echo "$body" | jq -r '.state // "unknown"')
critical=0; warnings=0
[ "$(echo "$success < 90" | bc -l)" = 1 ] && critical=$((critical+1))
[ "$(echo "$p95 > 2000" | bc -l)" = 1 ] && warnings=$((warnings+1))
[ "$(echo "$hit < 80" | bc -l)" = 1 ] && warnings=$((warnings+1))
[ "$(echo "$queue > 10" | bc -l)" = 1 ] && warnings=$((warnings+1))
echo "state=$state cb=$cb critical=$critical warnings=$warnings"
[ "$critical" -gt 0 ] && exit 2
[ "$warnings" -gt 0 ] && exit 1
exit 0
