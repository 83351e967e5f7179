# Secrets reach the functions only through Secret Manager, mounted as environment variables. The module creates the
# secrets but never their values: an operator adds versions out of band (README), so no secret enters Terraform state.

locals {
  # Keyed by the environment variable that carries the secret.
  secrets = {
    API_KEY_HASHES = {
      secret_id = "${var.name_prefix}-api-key-hashes"
      enabled   = var.auth_mode == "api_key"
      functions = ["mcp"]
    }
    # veo_backend = "gemini": the Gemini API key every function calls Omni with (never in state, logs or results).
    GEMINI_API_KEY = {
      secret_id = "${var.name_prefix}-gemini-api-key"
      enabled   = var.veo_backend == "gemini"
      functions = ["mcp", "poller", "requests"]
    }
    # Signs webhook deliveries of completion events. Every function that can publish a completion event delivers
    # the webhook of its operation; without the secret, requests asking for a webhook are rejected.
    WEBHOOK_SIGNING_SECRET = {
      secret_id = "${var.name_prefix}-webhook-signing-secret"
      enabled   = var.enable_webhooks
      functions = ["mcp", "poller", "requests"]
    }
  }

  enabled_secrets = { for name, secret in local.secrets : name => secret if secret.enabled }

  secret_readers = flatten([
    for name, secret in local.enabled_secrets : [
      for function in secret.functions : { secret = name, function = function }
    ]
  ])
}

resource "google_secret_manager_secret" "this" {
  for_each = local.enabled_secrets

  project   = var.project_id
  secret_id = each.value.secret_id
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.this]
}
