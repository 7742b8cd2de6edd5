#!/usr/bin/env bash
# bench/queue.sh [COUNT]: the generation queue's push latency (issue 17):
# from CreateGeneration to the cue on a waiting worker's WaitForGenerations
# stream, and to the worker holding the generation (bench/queue_latency.cjs),
# for COUNT generations (default 200) of bench user 1, on the stack.
# Figures only.
NUSERS=1
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seed_users
USER_TOKEN=$(scripts/mint-token.sh "$(bench_users 1)" authenticated 3600) \
	SERVICE_TOKEN=$(scripts/mint-token.sh 00000000-0000-0000-0000-000000000000 service_role 3600) \
	CONTENT_ADDR=$CONTENT_ADDR node bench/queue_latency.cjs "${1:-200}"
