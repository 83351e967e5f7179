# The three Cloud Run functions (2nd gen), built from the repository archive in storage.tf: mcp (HTTP), poller (poll
# topic, and Veo's completion notices pushed from the notices topic) and requests (requests topic). Their environment
# selects the cloud adapters of functions/src/config (Firestore, GCS, Pub/Sub); secrets come from secrets.tf.

locals {
  common_environment = {
    STORE                 = "firestore"
    BLOBS                 = "gcs"
    QUEUE                 = "pubsub"
    GOOGLE_CLOUD_PROJECT  = var.project_id
    GOOGLE_CLOUD_LOCATION = var.vertex_location
    OMNI_LOCATION         = var.omni_location
    VEO_BACKEND           = var.veo_backend
    # "" is unset for the config: the API's own default model.
    VEO_DEFAULT_MODEL         = var.veo_default_model
    GOOGLE_GENAI_USE_VERTEXAI = var.veo_backend == "vertex" ? "true" : "false"
    FIRESTORE_DATABASE        = local.firestore_database
    OUTPUT_BUCKET             = google_storage_bucket.outputs.name
    OUTPUT_PREFIX             = var.output_prefix
    POLL_TOPIC                = google_pubsub_topic.this["poll"].name
    REQUESTS_TOPIC            = google_pubsub_topic.this["requests"].name
    COMPLETIONS_TOPIC         = google_pubsub_topic.this["completions"].name
    SIGNED_URL_TTL_SECONDS    = var.signed_url_ttl_seconds
    OPERATION_RETENTION_DAYS  = var.operation_retention_days
    LOG_LEVEL                 = var.log_level
    # The operations core of every function submits, polls and expires generations.
    VEO_TIMEOUT_SECONDS            = var.veo_timeout_seconds
    VEO_OPERATION_DEADLINE_SECONDS = var.veo_operation_deadline_seconds
    POLL_INITIAL_DELAY_SECONDS     = var.poll_initial_delay_seconds
    POLL_INTERVAL_SECONDS          = var.poll_interval_seconds
    POLL_MAX_INTERVAL_SECONDS      = var.poll_max_interval_seconds
  }

  mcp_environment = {
    MAX_WAIT_SECONDS = var.max_wait_seconds
    MAX_VIDEO_BYTES  = var.max_video_bytes
    AUTH_MODE        = var.auth_mode
    ALLOWED_ORIGINS  = join(",", var.allowed_origins)
    # An empty list is "" in the environment, which the config reads as unset.
    AUTH_AUDIENCES     = join(",", var.auth_audiences)
    AUTH_CACHE_SECONDS = var.auth_cache_seconds
    # An empty list is "" in the environment: no peer tool names.
    COMPAT_TOOLS      = join(",", var.compat_tools)
    MAX_IMAGE_BYTES   = var.max_image_bytes
    MAX_REQUEST_BYTES = var.max_request_bytes
    # "" is unset for the config: the URL each request arrived at.
    PUBLIC_BASE_URL = var.public_base_url
  }

  # Merged in only with auth_mode = "iap": the audience IAP signs its assertions for when it is enabled on the mcp
  # function's Cloud Run service, which has the function's name (IAP signed-headers-howto, read 2026-12-02).
  iap_environment = {
    IAP_AUDIENCE = "/projects/${local.project_number}/locations/${var.region}/services/${var.name_prefix}-mcp"
  }

  # Spend limits: read where operations start (mcp: tools; requests: pipelines). Endings release through the
  # records themselves, so the poller needs none of them.
  spend_environment = {
    DAILY_VIDEO_SECONDS_PER_PRINCIPAL = var.daily_video_seconds_per_principal
    DAILY_VIDEO_SECONDS_TOTAL         = var.daily_video_seconds_total
    REQUESTS_PER_MINUTE_PER_PRINCIPAL = var.requests_per_minute_per_principal
  }

  # Bursts and outages (README: Queueing, quotas and outages): read wherever a submit may go out — mcp and requests
  # (a generation's first try) and the poller (a waiting generation's turn) — with the running limit it checks then.
  admission_environment = {
    VEO_SUBMITS_PER_MINUTE               = var.veo_submits_per_minute
    MAX_QUEUED_OPERATIONS_PER_PRINCIPAL  = var.max_queued_operations_per_principal
    MAX_RUNNING_OPERATIONS_PER_PRINCIPAL = var.max_running_operations_per_principal
    BREAKER_FAILURES                     = var.breaker_failures
    BREAKER_WINDOW_SECONDS               = var.breaker_window_seconds
    BREAKER_OPEN_SECONDS                 = var.breaker_open_seconds
  }

  # Merged in only when the map has entries: "MODEL=SUBMITS,..." (keys in lexical order).
  submits_by_model_environment = {
    VEO_SUBMITS_PER_MINUTE_BY_MODEL = join(",", formatlist("%s=%s", keys(var.veo_submits_per_minute_by_model), values(var.veo_submits_per_minute_by_model)))
  }

  # Merged in only when the map has entries: "PRINCIPAL=SECONDS,..." (keys in lexical order).
  principal_daily_video_seconds_environment = {
    PRINCIPAL_DAILY_VIDEO_SECONDS = join(",", formatlist("%s=%s", keys(var.principal_daily_video_seconds), values(var.principal_daily_video_seconds)))
  }

  # Merged in only when set; unset, each mcp instance takes an eighth of its memory.
  body_budget_environment = {
    MAX_REQUEST_BYTES_IN_FLIGHT = var.max_request_bytes_in_flight
  }

  poller_environment = {
    POLL_HANDLER_MAX_WAIT_SECONDS = var.poll_handler_max_wait_seconds
    # The sweep arrives on the poll topic: only the poller runs it.
    SWEEP_GRACE_SECONDS = var.sweep_grace_seconds
  }

  # Merged in only with veo_backend = "vertex": the full name (projects/P/topics/T) of the topic Veo publishes its
  # operation-done notices to (pubsub.tf), set explicitly rather than left to the code's default. The splat keeps the local
  # valid, and a string, when the topic is not created (join gives "" then, and the map is not merged).
  vertex_environment = {
    VEO_NOTICE_TOPIC = join("", google_pubsub_topic.notices[*].id)
  }

  requests_environment = {
    PIPELINE_PRINCIPAL        = var.pipeline_principal
    MAX_REQUEST_MESSAGE_BYTES = var.max_request_message_bytes
    # Requests may name an input image (https or gs://), checked before the submit.
    MAX_IMAGE_BYTES = var.max_image_bytes
  }

  # Merged in only when the map has entries: "TOPIC_OR_SUBSCRIPTION=PRINCIPAL,..." (keys in lexical order).
  requests_principals_environment = {
    PIPELINE_PRINCIPALS = join(",", formatlist("%s=%s", keys(var.pipeline_principals), values(var.pipeline_principals)))
  }

  source = {
    bucket = google_storage_bucket.sources.name
    object = google_storage_bucket_object.source.name
  }

  # One entry per function: what differs between them. Keys are the function names (and the keys of
  # google_service_account.function in iam.tf); the deployed name is PREFIX-KEY. A trigger of null is an HTTP function.
  cloud_functions = {
    mcp = {
      description = "Veo MCP endpoint (Streamable HTTP)"
      entry_point = "mcp"
      sizing      = var.mcp_function
      ingress     = "ALLOW_ALL"
      environment = merge(
        local.common_environment,
        local.mcp_environment,
        local.spend_environment,
        length(var.principal_daily_video_seconds) > 0 ? local.principal_daily_video_seconds_environment : {},
        local.admission_environment,
        length(var.veo_submits_per_minute_by_model) > 0 ? local.submits_by_model_environment : {},
        var.max_request_bytes_in_flight != null ? local.body_budget_environment : {},
        var.veo_backend == "vertex" ? local.vertex_environment : {},
        var.auth_mode == "iap" ? local.iap_environment : {},
      )
      trigger = null
    }

    poller = {
      description = "Follows Veo operations to completion (poll topic, Veo completion notices)"
      entry_point = "poller"
      sizing      = var.poller_function
      # Only Pub/Sub pushes from this project call the poller: its Eventarc trigger and the notices subscription.
      ingress = "ALLOW_INTERNAL_ONLY"
      environment = merge(
        local.common_environment,
        local.poller_environment,
        local.admission_environment,
        length(var.veo_submits_per_minute_by_model) > 0 ? local.submits_by_model_environment : {},
        var.veo_backend == "vertex" ? local.vertex_environment : {},
      )
      trigger = {
        pubsub_topic          = google_pubsub_topic.this["poll"].id
        service_account_email = google_service_account.poll_trigger.email
        # The handler rethrows only failures a retry can fix (store errors); malformed messages are acknowledged.
        retry_policy = "RETRY_POLICY_RETRY"
      }
    }

    requests = {
      description = "Starts generations that pipelines request (requests topic)"
      entry_point = "requests"
      sizing      = var.requests_function
      # Only Eventarc (Pub/Sub push from this project) calls the requests function.
      ingress = "ALLOW_INTERNAL_ONLY"
      environment = merge(
        local.common_environment,
        local.requests_environment,
        local.spend_environment,
        length(var.principal_daily_video_seconds) > 0 ? local.principal_daily_video_seconds_environment : {},
        local.admission_environment,
        length(var.veo_submits_per_minute_by_model) > 0 ? local.submits_by_model_environment : {},
        length(var.pipeline_principals) > 0 ? local.requests_principals_environment : {},
        var.veo_backend == "vertex" ? local.vertex_environment : {},
      )
      trigger = {
        pubsub_topic          = google_pubsub_topic.this["requests"].id
        service_account_email = google_service_account.requests_trigger.email
        # Invalid messages are acknowledged and answered with a request.rejected completion event; the handler
        # rethrows only failures a retry can fix (store or Pub/Sub errors), and request_id makes redeliveries start one
        # job.
        retry_policy = "RETRY_POLICY_RETRY"
      }
    }
  }
}

# One resource for the three functions, in the shape of Google's terraform-google-cloud-functions module (a
# dynamic "event_trigger" present only when a trigger is given).
resource "google_cloudfunctions2_function" "this" {
  for_each = local.cloud_functions

  project     = var.project_id
  location    = var.region
  name        = "${var.name_prefix}-${each.key}"
  description = each.value.description
  labels      = local.labels

  build_config {
    runtime         = "nodejs24"
    entry_point     = each.value.entry_point
    service_account = google_service_account.builder.id
    source {
      storage_source {
        bucket = local.source.bucket
        object = local.source.object
      }
    }
  }

  service_config {
    service_account_email            = google_service_account.function[each.key].email
    available_memory                 = each.value.sizing.memory
    available_cpu                    = each.value.sizing.cpu
    timeout_seconds                  = each.value.sizing.timeout_seconds
    max_instance_request_concurrency = each.value.sizing.concurrency
    min_instance_count               = each.value.sizing.min_instances
    max_instance_count               = each.value.sizing.max_instances
    ingress_settings                 = each.value.ingress
    all_traffic_on_latest_revision   = true
    environment_variables            = each.value.environment

    dynamic "secret_environment_variables" {
      for_each = { for name, secret in local.enabled_secrets : name => secret if contains(secret.functions, each.key) }
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = google_secret_manager_secret.this[secret_environment_variables.key].secret_id
        version    = "latest"
      }
    }
  }

  dynamic "event_trigger" {
    for_each = each.value.trigger == null ? [] : [each.value.trigger]
    content {
      trigger_region        = var.region
      event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
      pubsub_topic          = event_trigger.value.pubsub_topic
      service_account_email = event_trigger.value.service_account_email
      retry_policy          = event_trigger.value.retry_policy
    }
  }

  # The deployment checks that the runtime account can read its secrets, that the builder account may build, and (for
  # a trigger) that Pub/Sub may mint the trigger account's tokens. depends_on is one static list for the whole resource
  # (it cannot name each.key), so every function waits for the union; those grants are created early and the extra
  # ordering costs mcp nothing else.
  depends_on = [
    google_project_iam_member.builder,
    google_secret_manager_secret_iam_member.function_reads_secret,
    google_service_account_iam_member.pubsub_agent_tokens_for_trigger,
    google_service_account_iam_member.pubsub_agent_tokens_for_requests_trigger,
  ]
}

# The functions were three resources before; these keep existing deployments in place instead of replacing them.
moved {
  from = google_cloudfunctions2_function.mcp
  to   = google_cloudfunctions2_function.this["mcp"]
}

moved {
  from = google_cloudfunctions2_function.poller
  to   = google_cloudfunctions2_function.this["poller"]
}

moved {
  from = google_cloudfunctions2_function.requests
  to   = google_cloudfunctions2_function.this["requests"]
}
