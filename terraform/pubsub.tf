# Topics: poll (poll and sweep messages, and Veo's completion notices, for the poller), requests (generation requests
# from pipelines, for the requests function), completions (completion events for pipelines) and the dead-letter topic
# of every subscription the module creates.

locals {
  topics = {
    poll        = "${var.name_prefix}-poll"
    requests    = "${var.name_prefix}-requests"
    completions = "${var.name_prefix}-completions"
    dead_letter = "${var.name_prefix}-dead-letter"
  }

  # The subscriptions of the poller (poll topic) and of the requests function (requests topic) belong to their
  # Eventarc triggers (functions.tf). The dead-letter topic gets no subscription here: operators attach one to inspect
  # or replay, and the topic's own retention lets a new subscription seek back to messages that arrived before it.
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
