# Every identity and every grant, in one file so least privilege can be reviewed in one place.
# No primitive roles; grants are on the narrowest resource that carries the permission (bucket, topic, secret,
# service) and project-wide only where the service has no finer resource.

locals {
  # One runtime service account per function: a compromise of one does not carry the others' grants.
  functions = {
    mcp      = "Veo MCP endpoint (mcp function)"
    poller   = "Veo operation poller (poller function)"
    requests = "Veo pipeline requests (requests function)"
  }

  # Firestore has no per-collection IAM; Vertex AI has none per model. Both are project-wide by necessity.
  function_project_roles = concat(
    ["roles/datastore.user"],
    var.veo_backend == "vertex" ? ["roles/aiplatform.user"] : [],
  )

  # mcp and poller poll Veo and store outputs (mcp while a caller waits), so both read and create objects. The
  # requests function only starts operations: it never reads or writes an object (Vertex writes the outputs as its
  # service agent, and reads a gs:// input image itself), so it gets no bucket role.
  bucket_functions      = ["mcp", "poller"]
  function_bucket_roles = ["roles/storage.objectCreator", "roles/storage.objectViewer"]

  # mcp and requests publish the first poll of an operation, poller the following ones. Every function publishes
  # completion events: poller for terminal states, mcp for those its waiting calls reach and for Veo refusals,
  # requests for Veo refusals and rejected messages.
  function_topic_publishers = {
    mcp-poll             = { function = "mcp", topic = "poll" }
    mcp-completions      = { function = "mcp", topic = "completions" }
    poller-poll          = { function = "poller", topic = "poll" }
    poller-completions   = { function = "poller", topic = "completions" }
    requests-poll        = { function = "requests", topic = "poll" }
    requests-completions = { function = "requests", topic = "completions" }
  }
}

resource "google_service_account" "function" {
  for_each = local.functions

  project      = var.project_id
  account_id   = "${var.name_prefix}-${each.key}"
  display_name = each.value

  depends_on = [google_project_service.this]
}

# Eventarc delivers poll messages to the poller as this identity, and the notices push subscription (pubsub.tf) Veo's
# completion notices; it may invoke the poller and nothing else.
resource "google_service_account" "poll_trigger" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-poll-trigger"
  display_name = "Veo poll and notices topics to poller (Pub/Sub push)"

  depends_on = [google_project_service.this]
}

# Eventarc delivers generation requests to the requests function as this identity; it may invoke that function and
# nothing else. ("req", not "requests": PREFIX-requests-trigger would exceed IAM's 30 characters.)
resource "google_service_account" "requests_trigger" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-req-trigger"
  display_name = "Veo requests topic to requests function (Eventarc trigger)"

  depends_on = [google_project_service.this]
}

# Builds the functions' containers, instead of the default compute service account (often an Editor).
resource "google_service_account" "builder" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-builder"
  display_name = "Veo MCP function builds"

  depends_on = [google_project_service.this]
}

resource "google_project_iam_member" "function" {
  for_each = {
    for pair in setproduct(keys(local.functions), local.function_project_roles) :
    "${pair[0]}-${pair[1]}" => { function = pair[0], role = pair[1] }
  }

  project = var.project_id
  role    = each.value.role
  member  = google_service_account.function[each.value.function].member
}

resource "google_project_iam_member" "builder" {
  project = var.project_id
  role    = "roles/cloudbuild.builds.builder"
  member  = google_service_account.builder.member
}

# On Cloud Functions there is no private key: V4 signed URLs are signed through IAM signBlob, as the function's own
# service account, which needs Token Creator on itself (and on nothing else).
resource "google_service_account_iam_member" "function_signs_as_itself" {
  for_each = local.functions

  service_account_id = google_service_account.function[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = google_service_account.function[each.key].member
}

# Pub/Sub mints the OIDC tokens of the triggers' push requests (and of the notices push subscription, which pushes as
# the poll trigger's account); projects whose Pub/Sub agent predates April 2021 lack this grant at project level.
# Scoped to each trigger's account only.
resource "google_service_account_iam_member" "pubsub_agent_tokens_for_trigger" {
  service_account_id = google_service_account.poll_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent

  depends_on = [google_project_service_identity.pubsub]
}

resource "google_service_account_iam_member" "pubsub_agent_tokens_for_requests_trigger" {
  service_account_id = google_service_account.requests_trigger.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent

  depends_on = [google_project_service_identity.pubsub]
}

# --- Output bucket -------------------------------------------------------------------------------------------------

resource "google_storage_bucket_iam_member" "function_outputs" {
  for_each = {
    for pair in setproduct(local.bucket_functions, local.function_bucket_roles) :
    "${pair[0]}-${pair[1]}" => { function = pair[0], role = pair[1] }
  }

  bucket = google_storage_bucket.outputs.name
  role   = each.value.role
  member = google_service_account.function[each.value.function].member
}

# Vertex AI writes generated videos straight to the bucket (outputGcsUri) as its service agent.
resource "google_storage_bucket_iam_member" "vertex_writes_outputs" {
  count = var.veo_backend == "vertex" ? 1 : 0

  bucket = google_storage_bucket.outputs.name
  role   = "roles/storage.objectCreator"
  member = local.vertex_service_agent

  depends_on = [google_project_service_identity.aiplatform]
}

# Vertex AI reads extend_video's input videos itself from gs:// (instances[0].video.gcsUri): a caller's earlier output,
# or an https video copied under OUTPUT_PREFIX/inputs/. Both are in the output bucket.
resource "google_storage_bucket_iam_member" "vertex_reads_inputs" {
  count = var.veo_backend == "vertex" ? 1 : 0

  bucket = google_storage_bucket.outputs.name
  role   = "roles/storage.objectViewer"
  member = local.vertex_service_agent

  depends_on = [google_project_service_identity.aiplatform]
}

# --- Pub/Sub -------------------------------------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "function_publishers" {
  for_each = local.function_topic_publishers

  topic  = google_pubsub_topic.this[each.value.topic].id
  role   = "roles/pubsub.publisher"
  member = google_service_account.function[each.value.function].member
}

# Veo on Vertex publishes its completion notice to the notices topic (the code passes it as pubsubTopic), and to no
# other topic.
resource "google_pubsub_topic_iam_member" "vertex_completion_notices" {
  count = var.veo_backend == "vertex" ? 1 : 0

  topic  = google_pubsub_topic.notices[0].id
  role   = "roles/pubsub.publisher"
  member = local.vertex_service_agent

  depends_on = [google_project_service_identity.aiplatform]
}

# Dead-lettering is done by the Pub/Sub service agent: it must publish to the dead-letter topic and acknowledge
# (subscribe to) the source subscription.
resource "google_pubsub_topic_iam_member" "pubsub_agent_dead_letters" {
  topic  = google_pubsub_topic.this["dead_letter"].id
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent

  depends_on = [google_project_service_identity.pubsub]
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_forwards_dead_letters" {
  for_each = google_pubsub_subscription.this

  subscription = each.value.id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent

  depends_on = [google_project_service_identity.pubsub]
}

resource "google_pubsub_subscription_iam_member" "pubsub_agent_forwards_notice_dead_letters" {
  count = var.veo_backend == "vertex" ? 1 : 0

  subscription = google_pubsub_subscription.notices[0].id
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent

  depends_on = [google_project_service_identity.pubsub]
}

# --- Secrets -------------------------------------------------------------------------------------------------------

# Each function reads only the secrets mounted into it.
resource "google_secret_manager_secret_iam_member" "function_reads_secret" {
  for_each = {
    for pair in local.secret_readers : "${pair.function}-${pair.secret}" => pair
  }

  secret_id = google_secret_manager_secret.this[each.value.secret].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.function[each.value.function].member
}

# --- Invokers ------------------------------------------------------------------------------------------------------

# The poll trigger and the notices push subscription both push as this account.
resource "google_cloud_run_v2_service_iam_member" "poll_trigger_invokes_poller" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["poller"].name
  role     = "roles/run.invoker"
  member   = google_service_account.poll_trigger.member
}

resource "google_cloud_run_v2_service_iam_member" "requests_trigger_invokes_requests" {
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["requests"].name
  role     = "roles/run.invoker"
  member   = google_service_account.requests_trigger.member
}

resource "google_cloud_run_v2_service_iam_member" "mcp_invokers" {
  for_each = toset(var.mcp_invokers)

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["mcp"].name
  role     = "roles/run.invoker"
  member   = each.value
}

# Anyone on the internet may reach the endpoint only when the code itself checks an API key on every request;
# variables.tf rejects allow_unauthenticated without auth_mode = "api_key" (and with iap_enabled), and the count
# repeats the rules.
resource "google_cloud_run_v2_service_iam_member" "mcp_public" {
  count = var.allow_unauthenticated && var.auth_mode == "api_key" && !var.iap_enabled ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this["mcp"].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
