# Optional Identity-Aware Proxy in front of the mcp function (iap_enabled, off by default): Cloud Run's own IAP
# integration, which guards every ingress path of the service, its run.app URL included (Cloud Run docs:
# securing/identity-aware-proxy-cloud-run and ai/authenticate-mcp-servers, read 2026-12-02). The function's Cloud Run
# service has the function's name, so IAP's grants name it directly.
#
# The provider's only switch for IAP on a service is google_cloud_run_v2_service.iap_enabled (google-beta 6.50), on a
# service Terraform owns; the function's service belongs to Cloud Functions. So IAP is switched on with one gcloud
# command (output mcp_iap_enable_command), and everything else is here. Without it, or if a redeploy resets it, the
# service falls back to its IAM check (run.invoker: mcp_invokers and the IAP service agent, never allUsers: variables.tf
# refuses allow_unauthenticated with iap_enabled), so it fails closed. With auth_mode = "iap" the code takes the caller
# from the assertion IAP signs for this service (IAP_AUDIENCE, functions.tf): a request without one is refused.

locals {
  iap_service_agent = "serviceAccount:service-${local.project_number}@gcp-sa-iap.iam.gserviceaccount.com"
}

resource "google_project_service" "iap" {
  count = var.iap_enabled ? 1 : 0

  project            = var.project_id
  service            = "iap.googleapis.com"
  disable_on_destroy = false
}

# The IAP service agent is created on first use; the invoker grant below needs it to exist.
resource "google_project_service_identity" "iap" {
  count    = var.iap_enabled ? 1 : 0
  provider = google-beta

  project = var.project_id
  service = "iap.googleapis.com"

  depends_on = [google_project_service.iap]
}

# A request that passes IAP reaches Cloud Run's IAM check with the IAP service agent's ID token
# (X-Serverless-Authorization), so the agent must be an invoker of the mcp function and of nothing else.
resource "google_cloud_run_v2_service_iam_member" "iap_invokes_mcp" {
  count = var.iap_enabled ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["mcp"].name
  role     = "roles/run.invoker"
  member   = local.iap_service_agent

  depends_on = [google_project_service_identity.iap]

  lifecycle {
    # Repeats the variables' rules where the grant is made (see iap_enabled in variables.tf).
    precondition {
      condition     = contains(["iap", "api_key"], var.auth_mode) && !var.allow_unauthenticated
      error_message = "IAP in front of the mcp function needs auth_mode = \"iap\" or \"api_key\", and allow_unauthenticated = false."
    }
  }
}

# Who IAP lets through (IAP-secured Web App User on the function's Cloud Run service).
resource "google_iap_web_cloud_run_service_iam_member" "mcp" {
  for_each = var.iap_enabled ? toset(var.iap_members) : toset([])

  project                = var.project_id
  location               = var.region
  cloud_run_service_name = google_cloudfunctions2_function.this["mcp"].name
  role                   = "roles/iap.httpsResourceAccessor"
  member                 = each.value

  depends_on = [google_project_service.iap]
}
