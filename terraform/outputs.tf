output "mcp_url" {
  description = "MCP endpoint (Streamable HTTP, FUNCTION_URL/mcp) to give to MCP clients."
  value       = "${google_cloudfunctions2_function.this["mcp"].url}/mcp"
}

output "mcp_function_url" {
  description = "Base URL of the mcp function (POST / serves MCP as well)."
  value       = google_cloudfunctions2_function.this["mcp"].url
}

output "requests_function" {
  description = "Name of the requests function (Cloud Run service) that starts the generations pipelines request."
  value       = google_cloudfunctions2_function.this["requests"].name
}

output "requests_function_url" {
  description = "URL of the requests function; internal ingress only, invoked by its Eventarc trigger."
  value       = google_cloudfunctions2_function.this["requests"].url
}

output "poll_topic" {
  description = "Topic id of poll and sweep messages (POLL_TOPIC)."
  value       = google_pubsub_topic.this["poll"].name
}

output "notices_topic" {
  description = "Full name (projects/P/topics/T) of the topic Veo on Vertex publishes its operation-done notices to (VEO_NOTICE_TOPIC), pushed to the poller."
  value       = one(google_pubsub_topic.notices[*].id)
}

output "notices_subscription" {
  description = "Push subscription delivering Veo's completion notices to the poller (with dead-lettering)."
  value       = one(google_pubsub_subscription.notices[*].name)
}

output "requests_topic" {
  description = "Topic id pipelines publish generation requests to (REQUESTS_TOPIC); the requests function consumes it."
  value       = google_pubsub_topic.this["requests"].name
}

output "completions_topic" {
  description = "Topic id of completion events for pipelines (COMPLETIONS_TOPIC)."
  value       = google_pubsub_topic.this["completions"].name
}

output "completions_subscription" {
  description = "Pull subscription on the completions topic (with dead-lettering)."
  value       = google_pubsub_subscription.this["completions"].name
}

output "dead_letter_topic" {
  description = "Topic id messages go to after max_delivery_attempts; attach a subscription to inspect or replay them."
  value       = google_pubsub_topic.this["dead_letter"].name
}

output "output_bucket" {
  description = "Bucket the generated videos are written to (OUTPUT_BUCKET)."
  value       = google_storage_bucket.outputs.name
}

output "source_bucket" {
  description = "Bucket holding the functions' source archives."
  value       = google_storage_bucket.sources.name
}

output "source_object" {
  description = "Source archive deployed, named by its content hash (source-MD5.zip)."
  value       = google_storage_bucket_object.source.name
}

output "firestore_database" {
  description = "Firestore database id (FIRESTORE_DATABASE)."
  value       = local.firestore_database
}

output "service_accounts" {
  description = "Service account emails: one per function, the two Eventarc triggers' (poll_trigger also pushes Veo's notices) and the builder's."
  value = {
    mcp              = google_service_account.function["mcp"].email
    poller           = google_service_account.function["poller"].email
    requests         = google_service_account.function["requests"].email
    poll_trigger     = google_service_account.poll_trigger.email
    requests_trigger = google_service_account.requests_trigger.email
    builder          = google_service_account.builder.email
  }
}

output "secrets" {
  description = "Secret Manager secret ids the functions read, by environment variable (API_KEY_HASHES, GEMINI_API_KEY, WEBHOOK_SIGNING_SECRET, each when enabled); add their versions out of band."
  value       = { for name, secret in google_secret_manager_secret.this : name => secret.secret_id }
}

# --- IAP (iap.tf) ---

# gcloud beta: Google's Cloud Run IAP pages give the --iap flag with `gcloud beta run deploy` / `services update` (IAP on
# Cloud Run is in preview; cloud.google.com/run/docs/securing/identity-aware-proxy-cloud-run, 2026-12-02). Whoever runs
# it needs roles/run.admin, roles/iam.serviceAccountUser on the mcp runtime account and roles/iap.admin (same page).
output "mcp_iap_enable_command" {
  description = "With iap_enabled: the command that switches IAP on for the mcp function's Cloud Run service (gcloud beta: IAP on Cloud Run is in preview; run it after each apply that redeploys mcp; it is idempotent). Null otherwise."
  value       = var.iap_enabled ? "gcloud beta run services update ${google_cloudfunctions2_function.this["mcp"].name} --iap --region=${var.region} --project=${var.project_id}" : null
}
