# What an operator sees: log-based metrics from the functions' structured log lines (functions/src/log.ts), alert
# policies on spend and health, and one dashboard. README: "Monitoring: what an operator sees".
#
# The functions write one JSON object per line; Cloud Run turns it into a LogEntry whose `severity` and `time` become
# the entry's own fields and whose other fields (`message` included) stay in jsonPayload. The metrics below read
# jsonPayload fields only; test/unit/terraform-monitoring.test.ts runs the real code paths and checks that every
# filter matches a line the code writes and that every field an extractor reads is on it.
# The lines are logged at INFO: with log_level "warn" or "error" the metrics stay empty (see the check below).

locals {
  monitored_functions = ["mcp", "poller", "requests"]
  # The three functions' Cloud Run services ("${var.name_prefix}-mcp" etc., functions.tf), by name.
  monitored_services_regex = "^${var.name_prefix}-(${join("|", local.monitored_functions)})$"

  # Every log-based metric reads only this deployment's functions.
  log_metric_resource_filter = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=~\"${local.monitored_services_regex}\""

  # The log-based metrics, by name (metric type logging.googleapis.com/user/PREFIX/NAME). `filter` is added to the
  # resource filter above; counters have no value_extractor. Labels:
  #   principal: one series per caller. With many callers (API keys per user) this is high-cardinality: Cloud
  #   Monitoring bills and limits active time series per metric, so monitoring_principal_label = false empties it.
  #   The label stays: a log-based metric's labels can be added but not removed (LogMetric.metric_descriptor,
  #   cloud.google.com/logging/docs/reference/v2/rest/v2/projects.metrics, 2026-12-02), and the provider updates the
  #   metric in place, so dropping it would fail the apply.
  #   model, status, limit, code, error_code: a few values each. `optional` labels read a field some matched lines
  #   lack (the label is then empty).
  log_metrics = {
    video_seconds = {
      description     = "Seconds of video accepted (reserved against the daily limits), by principal and model."
      filter          = "jsonPayload.message=\"Generation accepted\""
      value_extractor = "EXTRACT(jsonPayload.videoSeconds)"
      unit            = "s"
      # Finite buckets up to 2048 s (1, 2, 4, ... 2048): one request asks for 4-8 s per video, up to 4 videos,
      # longer for extensions.
      buckets = { count = 11, growth_factor = 2, scale = 1 }
      labels = {
        principal = { extractor = "EXTRACT(jsonPayload.principal)", description = "Caller (principal id)." }
        model     = { extractor = "EXTRACT(jsonPayload.model)", description = "Model id." }
      }
    }
    estimated_cost_usd = {
      description     = "Estimated list-price cost in USD of the generations accepted, by principal and model."
      filter          = "jsonPayload.message=\"Generation accepted\""
      value_extractor = "EXTRACT(jsonPayload.estimatedCostUsd)"
      unit            = "1"
      # $0.05 ... about $100 per request.
      buckets = { count = 12, growth_factor = 2, scale = 0.05 }
      labels = {
        principal = { extractor = "EXTRACT(jsonPayload.principal)", description = "Caller (principal id)." }
        model     = { extractor = "EXTRACT(jsonPayload.model)", description = "Model id." }
      }
    }
    refusals = {
      description     = "Calls refused by a spend limit, by the limit's setting name and principal."
      filter          = "jsonPayload.message=\"Refused by a spend limit\""
      value_extractor = null
      unit            = "1"
      buckets         = null
      labels = {
        limit     = { extractor = "EXTRACT(jsonPayload.limit)", description = "Setting of the limit, e.g. DAILY_VIDEO_SECONDS_TOTAL; MAX_LINE: the model's line is full (all callers)." }
        principal = { extractor = "EXTRACT(jsonPayload.principal)", description = "Caller (principal id)." }
      }
    }
    outcomes = {
      description     = "Operations that ended, by final status and model."
      filter          = "jsonPayload.message=\"Operation finished\""
      value_extractor = null
      unit            = "1"
      buckets         = null
      labels = {
        status = { extractor = "EXTRACT(jsonPayload.status)", description = "SUCCEEDED, FAILED, FILTERED, CANCELLED or EXPIRED." }
        model  = { extractor = "EXTRACT(jsonPayload.model)", description = "Model id." }
        # Every ending but SUCCEEDED carries its error's code (operations/completion.ts).
        error_code = { extractor = "EXTRACT(jsonPayload.errorCode)", description = "The ending's error code, e.g. INVALID_ARGUMENT, UPSTREAM, DEADLINE_EXCEEDED; empty for SUCCEEDED.", optional = true }
      }
    }
    completion_seconds = {
      description     = "Seconds from a generation's request to its ending (time in line included), by status and model."
      filter          = "jsonPayload.message=\"Operation finished\""
      value_extractor = "EXTRACT(jsonPayload.elapsedSeconds)"
      unit            = "s"
      # Finite buckets from 5 s up to 5 * 1.8^18 s (about 54.6 h): an operation may wait in line up to
      # VEO_OPERATION_DEADLINE_SECONDS (at most 86400) and then run at Veo as long again.
      buckets = { count = 18, growth_factor = 1.8, scale = 5 }
      labels = {
        status = { extractor = "EXTRACT(jsonPayload.status)", description = "SUCCEEDED, FAILED, FILTERED, CANCELLED or EXPIRED." }
        model  = { extractor = "EXTRACT(jsonPayload.model)", description = "Model id." }
      }
    }
    veo_errors = {
      description = "Errors from the model's API (Veo, Omni) on submits and polls, by error code."
      # The domain's lines about the model's answers all start with "Veo" and carry the error's code
      # (operations/submit.ts, operations/poll.ts).
      filter          = "jsonPayload.message=~\"^Veo\" AND jsonPayload.code:*"
      value_extractor = null
      unit            = "1"
      buckets         = null
      labels = {
        code = { extractor = "EXTRACT(jsonPayload.code)", description = "Error code, e.g. RESOURCE_EXHAUSTED, INVALID_ARGUMENT, UPSTREAM." }
      }
    }
  }

  # PromQL names of the metrics (Cloud Monitoring's mapping: the first "/" becomes ":", other special characters "_";
  # distributions add _sum, _count, _bucket). Source: cloud.google.com/monitoring/promql/promql-mapping, 2026-12-02.
  promql = {
    for name in keys(local.log_metrics) :
    name => "logging_googleapis_com:user_${replace("${var.name_prefix}/${name}", "/[^a-zA-Z0-9_]/", "_")}"
  }
  # Cloud Run's request count of the three functions (PromQL regexes are anchored).
  promql_run_selector = "monitored_resource=\"cloud_run_revision\",service_name=~\"${var.name_prefix}-(${join("|", local.monitored_functions)})\""
  promql_5xx_ratio    = "sum by (service_name) (increase(run_googleapis_com:request_count{${local.promql_run_selector},response_code_class=\"5xx\"}[15m])) / sum by (service_name) (increase(run_googleapis_com:request_count{${local.promql_run_selector}}[15m]))"

  # When monitoring_principal_label is false: an extractor that always yields the empty string ("^()" matches the
  # empty start of any value; REGEXP_EXTRACT takes a regular expression with one capture group, same page as above).
  principal_label_off_extractor = "REGEXP_EXTRACT(jsonPayload.principal, \"^()\")"

  # Error codes of endings that mean the caller's own request was refused, left out of the FAILED-ratio alert. Of the
  # codes whose policy rejects the caller's request (functions/src/errors.ts), only INVALID_ARGUMENT ends operations:
  # LIMIT_EXCEEDED, ALREADY_EXISTS and FAILED_PRECONDITION refuse before anything is created, and an ending's
  # PERMISSION_DENIED or NOT_FOUND is Google refusing the deployment's credentials or model (video/genai.ts).
  caller_error_codes = ["INVALID_ARGUMENT"]

  # Whole seconds, rounded up and at least 1 (a share of a small total must not make every day alert); the shares as
  # percentages for titles.
  daily_video_seconds_alert_threshold = max(1, ceil(var.daily_video_seconds_alert_share * var.daily_video_seconds_total))
  daily_video_seconds_alert_percent   = format("%g%%", var.daily_video_seconds_alert_share * 100)
  error_ratio_percent                 = format("%g%%", var.alert_error_ratio * 100)
  # The error-ratio conditions ignore windows with fewer requests or endings than this, so one failure among two
  # calls does not page anyone.
  error_ratio_min_events = 10

  alert_policies_enabled = var.alerts_enabled ? 1 : 0
}

resource "google_logging_metric" "this" {
  for_each = local.log_metrics

  project         = var.project_id
  name            = "${var.name_prefix}/${each.key}"
  description     = each.value.description
  filter          = "${local.log_metric_resource_filter} AND ${each.value.filter}"
  value_extractor = each.value.value_extractor
  # Every label always: turning monitoring_principal_label off empties principal instead of removing it.
  label_extractors = {
    for key, label in each.value.labels : key => key == "principal" && !var.monitoring_principal_label ? local.principal_label_off_extractor : label.extractor
  }

  metric_descriptor {
    metric_kind  = "DELTA"
    value_type   = each.value.value_extractor == null ? "INT64" : "DISTRIBUTION"
    unit         = each.value.unit
    display_name = "${var.name_prefix} ${replace(each.key, "_", " ")}"

    dynamic "labels" {
      for_each = each.value.labels
      content {
        key         = labels.key
        value_type  = "STRING"
        description = labels.value.description
      }
    }
  }

  dynamic "bucket_options" {
    for_each = each.value.buckets == null ? [] : [each.value.buckets]
    content {
      exponential_buckets {
        num_finite_buckets = bucket_options.value.count
        growth_factor      = bucket_options.value.growth_factor
        scale              = bucket_options.value.scale
      }
    }
  }

  depends_on = [google_project_service.this]
}

# The metrics are empty unless the functions log their INFO lines.
check "monitoring_sees_info_lines" {
  assert {
    condition     = contains(["debug", "info"], var.log_level)
    error_message = "log_level is \"${var.log_level}\": the functions do not log the INFO lines the log-based metrics (monitoring.tf) count, so the spend and outcome metrics and alerts stay empty."
  }
}

# Severities (google_monitoring_alert_policy.severity: CRITICAL, ERROR or WARNING): CRITICAL only where callers are
# failing now (the error ratio). Spend is a WARNING: it fires before the limit, and the limit itself stops spending.
# Stuck and dead-lettered messages are ERRORs: work is late or needs replaying (within the dead-letter topic's 7 days
# of retention), but nothing is lost yet.

# (a) Spend: the deployment's video seconds over the last 24 hours reach a share of DAILY_VIDEO_SECONDS_TOTAL (always
# set: daily_video_seconds_total is at least 1, and the code has no "unlimited" value).
# A threshold condition could align over a day (its alignment period may be up to 25 hours) but cannot compare a
# distribution's sum with a threshold; a PromQL condition can (METRIC_sum, ranges up to 2 years). Sources:
# cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies (Aggregation.alignmentPeriod) and
# cloud.google.com/monitoring/alerts/using-promql, 2026-12-02. The window is rolling, the limit's day is UTC: the
# rolling sum is never below the UTC day's, so the alert is early rather than late. Seconds given back by operations
# that ended without output are not subtracted, so it may also fire before the limit's own count gets there.
resource "google_monitoring_alert_policy" "daily_video_seconds" {
  count = local.alert_policies_enabled

  project               = var.project_id
  display_name          = "${var.name_prefix}: daily video seconds at ${local.daily_video_seconds_alert_percent} of DAILY_VIDEO_SECONDS_TOTAL"
  severity              = "WARNING"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "Video seconds accepted in the last 24 h >= ${local.daily_video_seconds_alert_threshold}"
    condition_prometheus_query_language {
      query               = "sum(increase(${local.promql.video_seconds}_sum{monitored_resource=\"cloud_run_revision\"}[24h])) >= ${local.daily_video_seconds_alert_threshold}"
      duration            = "0s"
      evaluation_interval = "300s"
      # The metric has no data until the first generation; the policy may exist before that.
      disable_metric_validation = true
    }
  }

  alert_strategy {
    auto_close = "86400s"
  }

  documentation {
    subject   = "${var.name_prefix}: ${local.daily_video_seconds_alert_percent} of the daily video-seconds limit used"
    mime_type = "text/markdown"
    content   = <<-EOT
      The deployment has accepted at least ${local.daily_video_seconds_alert_threshold} seconds of video in the last
      24 hours: ${local.daily_video_seconds_alert_percent} of `DAILY_VIDEO_SECONDS_TOTAL`
      (${var.daily_video_seconds_total}). At the limit, every caller's new generations are refused until midnight UTC.

      What to do:
      1. Open the dashboard "${var.name_prefix}: Veo MCP spend and health": the "${local.chart_titles.video_seconds_by_principal}"
         and "${local.chart_titles.usd_by_principal}" charts show who is spending.
      2. If one caller is spending unexpectedly, lower its share with `principal_daily_video_seconds` or revoke its key
         or `mcp_invokers` entry.
      3. If the spend is expected, raise `daily_video_seconds_total` (Terraform) and check the Vertex AI quota and
         budget first.
      The window is a rolling 24 hours, while the limit counts the UTC day: this alert fires early rather than late,
      and an incident can stay open past midnight UTC (when the limit has already reset) until the rolling sum drops
      below the threshold or the incident auto-closes after a day.
    EOT
  }

  depends_on = [google_logging_metric.this]
}

# (b) Health: the share of failed HTTP requests (5xx) of any function, or of failed or expired generations, is above
# alert_error_ratio.
resource "google_monitoring_alert_policy" "error_ratio" {
  count = local.alert_policies_enabled

  project               = var.project_id
  display_name          = "${var.name_prefix}: error ratio above ${local.error_ratio_percent}"
  severity              = "CRITICAL"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "5xx responses over all responses, per function, last 15 min"
    condition_prometheus_query_language {
      query                     = "(${local.promql_5xx_ratio}) > ${var.alert_error_ratio} and sum by (service_name) (increase(run_googleapis_com:request_count{${local.promql_run_selector}}[15m])) >= ${local.error_ratio_min_events}"
      duration                  = "300s"
      evaluation_interval       = "60s"
      disable_metric_validation = true
    }
  }

  conditions {
    display_name = "FAILED (not on the caller's invalid arguments) or EXPIRED generations over all endings, last hour"
    condition_prometheus_query_language {
      query                     = "(sum(increase(${local.promql.outcomes}{${local.promql_failed_endings_selector}}[1h])) / sum(increase(${local.promql.outcomes}{monitored_resource=\"cloud_run_revision\"}[1h]))) > ${var.alert_error_ratio} and sum(increase(${local.promql.outcomes}{monitored_resource=\"cloud_run_revision\"}[1h])) >= ${local.error_ratio_min_events}"
      duration                  = "0s"
      evaluation_interval       = "300s"
      disable_metric_validation = true
    }
  }

  documentation {
    subject   = "${var.name_prefix}: error ratio above ${local.error_ratio_percent}"
    mime_type = "text/markdown"
    content   = <<-EOT
      More than ${local.error_ratio_percent} of a function's HTTP responses were 5xx in the last 15 minutes, or
      more than ${local.error_ratio_percent} of the generations that ended in the last hour ended FAILED or EXPIRED
      (each only once there are at least ${local.error_ratio_min_events} of them). Endings FAILED with a
      caller-side code (${join(", ", local.caller_error_codes)}: the caller's request was refused) are not counted
      as failures.

      What to do:
      1. The condition's name says which. On the dashboard "${var.name_prefix}: Veo MCP spend and health", see
         "${local.chart_titles.five_xx}", "${local.chart_titles.outcomes}" and "${local.chart_titles.failed_by_code}".
      2. 5xx: in Logs Explorer, query `resource.type="cloud_run_revision" resource.labels.service_name="SERVICE"
         severity>=ERROR` for the failing function; a `reference` in a caller's error message is in the same line.
         Store or Pub/Sub failures are retried by Pub/Sub (the poll and requests functions answer 5xx to be redelivered).
         503 answers from request-body load shedding count too: an mcp instance refuses requests while the bodies
         it is reading exceed `MAX_REQUEST_BYTES_IN_FLIGHT` (`max_request_bytes_in_flight`); raise it, or the
         function's max instances, if those dominate.
      3. FAILED: "${local.chart_titles.failed_by_code}" shows every FAILED ending by its error code (the
         "Operation finished" line's `errorCode`). "${local.chart_titles.veo_errors}" shows only the model's answers
         to submits and polls: a generation that Veo reports finished with an error logs no "Veo..." line.
         RESOURCE_EXHAUSTED is the project's Vertex AI quota (`veo_submits_per_minute`); PERMISSION_DENIED or
         NOT_FOUND is the deployment's credentials or model access; UPSTREAM, INTERNAL or UNAVAILABLE is Google's
         side; UNKNOWN_SUBMISSION is an instance that stopped before recording Veo's answer.
      4. EXPIRED: generations waited in line past the deadline without being sent: the pace
         (`veo_submits_per_minute`) is below demand or the model is down (circuit breaker lines in the log).
    EOT
  }

  depends_on = [google_logging_metric.this]
}

# (c) Health: a poll or generation-request message has waited unacknowledged too long. The functions' Eventarc
# triggers own the subscriptions on these topics (names chosen by Eventarc), so the topic-level metric is read:
# pubsub.googleapis.com/topic/oldest_unacked_message_age_by_region, GAUGE, seconds, resource pubsub_topic (Pub/Sub
# metrics list, cloud.google.com/monitoring/api/metrics_gcp_p_z, 2026-12-02). Early poll messages are held unacked
# for up to poll_handler_max_wait_seconds by design, so the threshold must be above that (variables.tf).
resource "google_monitoring_alert_policy" "oldest_unacked_message" {
  count = local.alert_policies_enabled

  project               = var.project_id
  display_name          = "${var.name_prefix}: poll or request messages waiting over ${var.alert_oldest_unacked_message_seconds} s"
  severity              = "ERROR"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "Oldest unacknowledged message age on ${google_pubsub_topic.this["poll"].name} or ${google_pubsub_topic.this["requests"].name}"
    condition_threshold {
      filter          = "resource.type = \"pubsub_topic\" AND metric.type = \"pubsub.googleapis.com/topic/oldest_unacked_message_age_by_region\" AND resource.labels.topic_id = one_of(\"${google_pubsub_topic.this["poll"].name}\", \"${google_pubsub_topic.this["requests"].name}\")"
      comparison      = "COMPARISON_GT"
      threshold_value = var.alert_oldest_unacked_message_seconds
      duration        = "300s"

      aggregations {
        alignment_period     = "60s"
        per_series_aligner   = "ALIGN_MAX"
        cross_series_reducer = "REDUCE_MAX"
        group_by_fields      = ["resource.label.topic_id"]
      }
    }
  }

  documentation {
    subject   = "${var.name_prefix}: poll or request messages are not being processed"
    mime_type = "text/markdown"
    content   = <<-EOT
      A message on the poll topic (`${google_pubsub_topic.this["poll"].name}`: operations followed to completion, the
      sweep) or the requests topic (`${google_pubsub_topic.this["requests"].name}`: generations pipelines asked for)
      has waited more than ${var.alert_oldest_unacked_message_seconds} s without being acknowledged. Operations end
      late, and pipelines wait.

      What to do:
      1. In Logs Explorer, look at the `${var.name_prefix}-poller` or `${var.name_prefix}-requests` function for
         `severity>=ERROR` ("Poll failed; Pub/Sub will redeliver", "Generation request failed"): a store (Firestore)
         or Pub/Sub outage makes the functions answer errors so Pub/Sub redelivers.
      2. Check the function is deployed and serving (Cloud Run console), its max instances
         (`poller_function` / `requests_function`) against the load, and that its trigger's service account may still
         invoke it.
      3. Messages that keep failing are not dead-lettered on these subscriptions: fix the cause and they are processed
         on redelivery; the sweep (Cloud Scheduler) recovers lost polls.
    EOT
  }
}

# (d) Health: a message reached the dead-letter topic. Pub/Sub counts the messages each subscription forwards to its
# dead-letter topic: pubsub.googleapis.com/subscription/dead_letter_message_count, DELTA, INT64, resource
# pubsub_subscription (Pub/Sub, "Monitor forwarded undeliverable messages", cloud.google.com/pubsub/docs/monitoring,
# 2026-12-02). The subscriptions that dead-letter are the module's own (pubsub.tf): the completions pull subscription
# and, with veo_backend = "vertex", the notices push subscription.
locals {
  dead_letter_subscriptions = concat(
    [for subscription in google_pubsub_subscription.this : subscription.name],
    google_pubsub_subscription.notices[*].name,
  )
}

resource "google_monitoring_alert_policy" "dead_letters" {
  count = local.alert_policies_enabled

  project               = var.project_id
  display_name          = "${var.name_prefix}: messages reached the dead-letter topic"
  severity              = "ERROR"
  combiner              = "OR"
  notification_channels = var.alert_notification_channels
  user_labels           = local.labels

  conditions {
    display_name = "Messages forwarded to ${google_pubsub_topic.this["dead_letter"].name}, by subscription"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND resource.labels.subscription_id = one_of(${join(", ", [for name in local.dead_letter_subscriptions : "\"${name}\""])})"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.subscription_id"]
      }
    }
  }

  documentation {
    subject   = "${var.name_prefix}: messages reached the dead-letter topic"
    mime_type = "text/markdown"
    content   = <<-EOT
      Pub/Sub gave up delivering a message after `max_delivery_attempts` (${var.max_delivery_attempts}) tries and
      forwarded it to `${google_pubsub_topic.this["dead_letter"].name}`. The incident names the subscription
      (`subscription_id`): `${google_pubsub_subscription.this["completions"].name}`, a completion event no pipeline
      acknowledged, or `${var.name_prefix}-poll-notices-push` (with veo_backend "vertex"), a Veo completion notice the
      poller did not accept. The dashboard's "${local.chart_titles.dead_letters}" chart shows them by subscription.

      What to do:
      1. Attach a pull subscription to the dead-letter topic (the topic keeps messages 7 days; seek the new subscription
         back to read earlier ones) and read the messages' `CloudPubSubDeadLetterSourceSubscription` attribute.
      2. Completion events: the pipeline consuming `${google_pubsub_subscription.this["completions"].name}` is not
         acknowledging; fix it, then republish the events it needs (each carries its `event_id`, so consumers can
         deduplicate).
      3. Notices: look at the poller's errors in Logs Explorer. A lost notice only delays an ending: polls and the sweep
         still end the operation.
    EOT
  }
}

# The dashboard: spend, refusals, outcomes, latency, Veo's errors and the queues. Two charts per row.
locals {
  # Titles the runbooks name.
  chart_titles = {
    video_seconds_by_principal = "Video seconds per hour, by principal (top 10)"
    usd_by_principal           = "Estimated USD per hour, by principal (top 10)"
    outcomes                   = "Outcomes per hour, by status"
    failed_by_code             = "FAILED endings per hour, by error code"
    veo_errors                 = "Veo errors per hour, by code"
    five_xx                    = "5xx ratio by function (15 min)"
    dead_letters               = "Messages forwarded to the dead-letter topic (per 5 min), by subscription"
  }

  # The FAILED-ratio alert's failures: FAILED or EXPIRED endings, except FAILED on the caller's own request (EXPIRED
  # endings carry DEADLINE_EXCEEDED).
  promql_failed_endings_selector = "monitored_resource=\"cloud_run_revision\",status=~\"FAILED|EXPIRED\",error_code!~\"${join("|", local.caller_error_codes)}\""

  dashboard_charts = [
    {
      title = "Video seconds accepted per hour, by model"
      query = "sum by (model) (increase(${local.promql.video_seconds}_sum{monitored_resource=\"cloud_run_revision\"}[1h]))"
    },
    {
      title     = "Video seconds accepted in the last 24 h (deployment) and DAILY_VIDEO_SECONDS_TOTAL"
      query     = "sum(increase(${local.promql.video_seconds}_sum{monitored_resource=\"cloud_run_revision\"}[24h]))"
      threshold = var.daily_video_seconds_total
    },
    {
      title = local.chart_titles.video_seconds_by_principal
      query = "topk(10, sum by (principal) (increase(${local.promql.video_seconds}_sum{monitored_resource=\"cloud_run_revision\"}[1h])))"
    },
    {
      title = local.chart_titles.usd_by_principal
      query = "topk(10, sum by (principal) (increase(${local.promql.estimated_cost_usd}_sum{monitored_resource=\"cloud_run_revision\"}[1h])))"
    },
    {
      title = "Refusals per hour, by limit"
      query = "sum by (limit) (increase(${local.promql.refusals}{monitored_resource=\"cloud_run_revision\"}[1h]))"
    },
    {
      title = local.chart_titles.outcomes
      query = "sum by (status) (increase(${local.promql.outcomes}{monitored_resource=\"cloud_run_revision\"}[1h]))"
    },
    {
      title = local.chart_titles.failed_by_code
      query = "sum by (error_code) (increase(${local.promql.outcomes}{monitored_resource=\"cloud_run_revision\",status=\"FAILED\"}[1h]))"
    },
    {
      title = "Request to completion of succeeded generations, p50 (s), by model"
      query = "histogram_quantile(0.5, sum by (model, le) (rate(${local.promql.completion_seconds}_bucket{monitored_resource=\"cloud_run_revision\",status=\"SUCCEEDED\"}[1h])))"
    },
    {
      title = "Request to completion of succeeded generations, p95 (s), by model"
      query = "histogram_quantile(0.95, sum by (model, le) (rate(${local.promql.completion_seconds}_bucket{monitored_resource=\"cloud_run_revision\",status=\"SUCCEEDED\"}[1h])))"
    },
    {
      title = local.chart_titles.veo_errors
      query = "sum by (code) (increase(${local.promql.veo_errors}{monitored_resource=\"cloud_run_revision\"}[1h]))"
    },
    {
      title = local.chart_titles.five_xx
      query = local.promql_5xx_ratio
    },
    {
      title = "Oldest unacknowledged message age, poll and requests topics (s)"
      query = "max by (topic_id) (pubsub_googleapis_com:topic_oldest_unacked_message_age_by_region{monitored_resource=\"pubsub_topic\",topic_id=~\"${google_pubsub_topic.this["poll"].name}|${google_pubsub_topic.this["requests"].name}\"})"
    },
    {
      title = local.chart_titles.dead_letters
      query = "sum by (subscription_id) (increase(pubsub_googleapis_com:subscription_dead_letter_message_count{monitored_resource=\"pubsub_subscription\",subscription_id=~\"${join("|", local.dead_letter_subscriptions)}\"}[5m]))"
    },
  ]
}

# Tile positions, two tiles per row. xPos and yPos only when above 0: the API leaves zero integers out of the
# dashboard it returns, so a tile sent with 0 would show as a change on every plan.
locals {
  dashboard_tile_positions = [
    for i in range(length(local.dashboard_charts)) : { for key, value in { xPos = (i % 2) * 24, yPos = floor(i / 2) * 16 } : key => value if value > 0 }
  ]
}

resource "google_monitoring_dashboard" "this" {
  project = var.project_id
  dashboard_json = jsonencode({
    displayName = "${var.name_prefix}: Veo MCP spend and health"
    mosaicLayout = {
      columns = 48
      tiles = [
        for i, chart in local.dashboard_charts : merge(local.dashboard_tile_positions[i], {
          width  = 24
          height = 16
          widget = {
            title = chart.title
            xyChart = merge(
              {
                dataSets = [{
                  plotType        = "LINE"
                  timeSeriesQuery = { prometheusQuery = chart.query }
                }]
              },
              try({ thresholds = [{ value = chart.threshold, label = "DAILY_VIDEO_SECONDS_TOTAL" }] }, {}),
            )
          }
        })
      ]
    }
  })

  depends_on = [google_logging_metric.this]
}
