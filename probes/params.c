/*
 * params.c — the defaults of every bound and timeout (include/xp_params.h
 * says why each is what it is).
 */
#include "xp_params.h"

const struct xp_params xp_params_defaults = {
    .timeout_ms = 10000,
    .max_time_ms = 60000,
    .parallel = 8,
    .parallel_file = 64,
    .parallel_max = 1024,
    .conns_per_dest = 8,
    .conns_per_dest_max = 256,
    .retry_backoff_ms = 250,
    .dns_inflight = 256,
    .dns_cache_max = 16384,
    .order_window = 256,
    .http_pool = 64,
    .http_lanes = 6,
    .http_lanes_file = 8,
    .http_share_max = 1024,
    .http_share_kib = 8192,
    .value_max = 4096,
    .dns_answers = 64,
    .http_body_max = 1024 * 1024,
    .smtp = {
        .line_max = 1000,
        .lines_max = 100,
        .total_max = 64 * 1024,
        .quit_wait_ms = 2000,
    },
};
