# The periodic sweep: re-enqueues operations whose poll message was lost (poller, functions/src/poller/handler.ts).
# Cloud Scheduler publishes Pub/Sub targets as its service agent, which may publish to any topic of its own project,
# so the job needs no service account of its own.

resource "google_cloud_scheduler_job" "sweep" {
  project     = var.project_id
  region      = var.region
  name        = "${var.name_prefix}-sweep"
  description = "Asks the poller to sweep for overdue Veo operations"
  schedule    = "*/${var.sweep_interval_minutes} * * * *"
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.this["poll"].id
    data       = base64encode(jsonencode({ type = "sweep" }))
    attributes = {
      type = "sweep"
    }
  }

  depends_on = [google_project_service.this]
}
