# Topics: poll (poll and sweep messages, for the poller), requests (generation requests from pipelines, for the
# requests function), completions (completion events for pipelines), the dead-letter topic of every subscription the
# module creates and, with veo_backend = "vertex", notices (Veo's completion notices, pushed to the poller).

locals {
  topics = {
    poll        = "${var.name_prefix}-poll"
    requests    = "${var.name_prefix}-requests"
    completions = "${var.name_prefix}-completions"
    dead_letter = "${var.name_prefix}-dead-letter"
  }

  # The subscriptions of the poller (poll topic) and of the requests function (requests topic) belong to their
  # Eventarc triggers (functions.tf); the notices topic's push subscription is below. The dead-letter topic gets no
  # subscription here: operators attach one to inspect or replay, and the topic's own retention lets a new
  # subscription seek back to messages that arrived before it.
  subscriptions = {
    completions = "completions"
  }
}

resource "google_pubsub_topic" "this" {
  for_each = local.topics

  project                    = var.project_id
  name                       = each.value
  labels                     = local.labels
  message_retention_duration = each.key == "dead_letter" ? "604800s" : null

  depends_on = [google_project_service.this]
}

resource "google_pubsub_subscription" "this" {
  for_each = local.subscriptions

  project                    = var.project_id
  name                       = "${local.topics[each.value]}-pull"
  topic                      = google_pubsub_topic.this[each.value].id
  labels                     = local.labels
  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  # Idle subscriptions would otherwise be deleted after 31 days, silently dropping events.
  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.this["dead_letter"].id
    max_delivery_attempts = var.max_delivery_attempts
  }
}

# Veo on Vertex publishes one operation-done notice per operation to this topic: the functions pass it as pubsubTopic
# (VEO_NOTICE_TOPIC, functions.tf). Not the completions topic, which carries our own completion events. Not the poll
# topic: the poller holds early poll messages in-handler (up to poll_handler_max_wait_seconds), and with push delivery
# the messages it holds use up its concurrency, so a notice queued behind them would end operations late.
# "POLL_TOPIC-notices" is also the code's default for the setting.
resource "google_pubsub_topic" "notices" {
  count = var.veo_backend == "vertex" ? 1 : 0

  project = var.project_id
  name    = "${local.topics.poll}-notices"
  labels  = local.labels

  depends_on = [google_project_service.this]
}

# Notices reach the poller through a plain push subscription, not an Eventarc trigger: a 2nd-gen function has one
# trigger, the poll topic's. The push is a raw Pub/Sub request, which functions-framework turns into the same
# CloudEvent as the trigger's, taking the topic from the URL path (/projects/P/topics/T): so the endpoint names it.
# Pub/Sub signs each push with an OIDC token of the poll trigger's account, the one identity that may invoke the
# poller; the poller's internal ingress admits Pub/Sub pushes from its own project.
resource "google_pubsub_subscription" "notices" {
  count = var.veo_backend == "vertex" ? 1 : 0

  project = var.project_id
  name    = "${google_pubsub_topic.notices[0].name}-push"
  topic   = google_pubsub_topic.notices[0].id
  labels  = local.labels
  # How long a push waits for the poller's answer: as long as the poller may run (Pub/Sub allows 10 to 600 s).
  ack_deadline_seconds = min(600, max(10, var.poller_function.timeout_seconds))
  # A notice only ends an operation sooner than its next poll; after a day, polls and the sweep have long done so.
  message_retention_duration = "86400s"

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.this["poller"].service_config[0].uri}/projects/${var.project_id}/topics/${google_pubsub_topic.notices[0].name}"

    oidc_token {
      service_account_email = google_service_account.poll_trigger.email
      # Cloud Run checks the token's audience against the service URL (without the topic path).
      audience = google_cloudfunctions2_function.this["poller"].service_config[0].uri
    }
  }

  # Idle subscriptions would otherwise be deleted after 31 days, silently dropping notices.
  expiration_policy {
    ttl = ""
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.this["dead_letter"].id
    max_delivery_attempts = var.max_delivery_attempts
  }

  # Pushes fail until Pub/Sub may mint the account's tokens and the account may invoke the poller.
  depends_on = [
    google_service_account_iam_member.pubsub_agent_tokens_for_trigger,
    google_cloud_run_v2_service_iam_member.poll_trigger_invokes_poller,
  ]
}
