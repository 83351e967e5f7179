# --- Project and naming --------------------------------------------------------------------------------------------

variable "project_id" {
  type        = string
  description = "Project to deploy into."

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a project id (6-30 lowercase letters, digits and hyphens), not a number or name."
  }
}

variable "region" {
  type        = string
  description = "Region of the functions, the Eventarc trigger, the Cloud Scheduler job and (by default) the buckets and Firestore."
  default     = "us-central1"
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name (functions, service accounts, topics, buckets, secrets), 3-15 characters; lets several deployments share a project."
  default     = "veo"

  validation {
    # 3-15 characters keeps the longest service account id (PREFIX-poll-trigger) within IAM's 30.
    condition     = can(regex("^[a-z][a-z0-9-]{1,13}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-15 lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "labels" {
  type        = map(string)
  description = "Labels added to every resource that takes labels (app = \"veo-mcp\" is always set)."
  default     = {}
}

# --- Veo -----------------------------------------------------------------------------------------------------------

variable "veo_backend" {
  type        = string
  description = "API the functions call (VEO_BACKEND): \"vertex\" (Vertex AI with the functions' service accounts: Veo 3.1 and Gemini Omni) or \"gemini\" (the Gemini API with a key in the PREFIX-gemini-api-key secret: Gemini Omni only, since the Gemini API serves no Veo after 2026-10-22). \"vertex\" also creates the notices topic and its push subscription."
  default     = "vertex"

  validation {
    condition     = contains(["vertex", "gemini"], var.veo_backend)
    error_message = "veo_backend must be \"vertex\" or \"gemini\"."
  }
}

variable "max_video_bytes" {
  type        = number
  description = "Largest input video extend_video reads or fetches, in bytes (MAX_VIDEO_BYTES); checked before any spend."
  default     = 209715200

  validation {
    condition     = var.max_video_bytes >= 1024 && var.max_video_bytes <= 1073741824 && floor(var.max_video_bytes) == var.max_video_bytes
    error_message = "max_video_bytes must be a whole number between 1024 and 1073741824."
  }
}

variable "omni_location" {
  type        = string
  description = "Vertex AI region Gemini Omni's interactions are sent to (OMNI_LOCATION); Omni is served from global."
  default     = "global"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.omni_location))
    error_message = "omni_location must be a Vertex AI location id such as global or us-central1."
  }
}

variable "veo_default_model" {
  type        = string
  description = "Model used when a call names none (VEO_DEFAULT_MODEL); empty: the API's default (veo-3.1-fast-generate-001 on vertex, gemini-omni-1.2-flash on gemini). A retired or unknown id fails at startup."
  default     = ""

  validation {
    # The live ids of functions/src/video/catalog.ts per API (test/unit/terraform-deployable.test.ts compares them).
    condition     = var.veo_default_model == "" || contains(var.veo_backend == "vertex" ? ["veo-3.1-fast-generate-001", "veo-3.1-generate-001", "veo-3.1-lite-generate-001", "gemini-omni-1.2-flash", "gemini-omni-1.1-flash-preview", "gemini-omni-flash-preview"] : ["gemini-omni-1.2-flash", "gemini-omni-1.1-flash"], var.veo_default_model)
    error_message = "veo_default_model must be empty or a live model of the backend: vertex: veo-3.1-fast-generate-001, veo-3.1-generate-001, veo-3.1-lite-generate-001, gemini-omni-1.2-flash, gemini-omni-1.1-flash-preview, gemini-omni-flash-preview; gemini: gemini-omni-1.2-flash, gemini-omni-1.1-flash."
  }
}

variable "vertex_location" {
  type        = string
  description = "Vertex AI region Veo is called in (GOOGLE_CLOUD_LOCATION); Veo is not offered in every region."
  default     = "us-central1"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", var.vertex_location))
    error_message = "vertex_location must be a Vertex AI location id such as us-central1."
  }
}

# --- Access --------------------------------------------------------------------------------------------------------

variable "auth_mode" {
  type        = string
  description = "How the mcp function authenticates callers (AUTH_MODE): \"iam\" (Google ID tokens checked by Cloud Run, see mcp_invokers), \"api_key\" (keys checked by the code against API_KEY_HASHES in Secret Manager) or \"iap\" (the user Identity-Aware Proxy verified, from its signed assertion; needs iap_enabled, and the module sets IAP_AUDIENCE)."
  default     = "iam"

  validation {
    condition     = contains(["iam", "api_key", "iap"], var.auth_mode)
    error_message = "auth_mode must be \"iam\", \"api_key\" or \"iap\"."
  }
}

variable "mcp_invokers" {
  type        = list(string)
  description = "IAM members allowed to call the mcp function (roles/run.invoker), e.g. \"user:alice@example.com\", \"group:agents@example.com\", \"serviceAccount:agent@PROJECT.iam.gserviceaccount.com\"."
  default     = []

  validation {
    condition     = alltrue([for member in var.mcp_invokers : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+", member))])
    error_message = "mcp_invokers must be IAM members (user:, group:, serviceAccount:, domain:, principal:, principalSet:); use allow_unauthenticated for public access."
  }
}

variable "allow_unauthenticated" {
  type        = bool
  description = "Let anyone reach the mcp function (allUsers invoker). Only with auth_mode = \"api_key\", where the code rejects requests without a valid key."
  default     = false

  validation {
    condition     = !var.allow_unauthenticated || var.auth_mode == "api_key"
    error_message = "allow_unauthenticated = true requires auth_mode = \"api_key\": otherwise the endpoint would be open to anyone."
  }
}

variable "auth_audiences" {
  type        = list(string)
  description = "With auth_mode = \"iam\": audiences accepted on ID tokens that still carry a signature, besides the URL the request arrived at (AUTH_AUDIENCES), e.g. a custom domain or Cloud Run custom audience."
  default     = []

  validation {
    condition     = alltrue([for audience in var.auth_audiences : can(regex("^[^,\\s]+$", audience))])
    error_message = "auth_audiences entries must be non-empty and hold no commas or spaces."
  }
  validation {
    condition     = length(var.auth_audiences) == 0 || var.auth_mode == "iam"
    error_message = "auth_audiences applies to auth_mode = \"iam\" only."
  }
}

variable "auth_cache_seconds" {
  type        = number
  description = "With auth_mode = \"api_key\": how long an mcp instance reuses a stored-key lookup (AUTH_CACHE_SECONDS); a revoked key is refused everywhere at most this long after veo-mcp keys revoke."
  default     = 30

  validation {
    condition     = var.auth_cache_seconds >= 0 && var.auth_cache_seconds <= 300
    error_message = "auth_cache_seconds must be between 0 and 300."
  }
}

variable "max_request_bytes_in_flight" {
  type        = number
  description = "Request-body bytes one mcp instance holds at once across its concurrent requests (MAX_REQUEST_BYTES_IN_FLIGHT); null: an eighth of the function's memory, at least max_request_bytes."
  default     = null

  validation {
    condition     = var.max_request_bytes_in_flight == null ? true : var.max_request_bytes_in_flight >= var.max_request_bytes && var.max_request_bytes_in_flight <= 17179869184
    error_message = "max_request_bytes_in_flight must be at least max_request_bytes and at most 17179869184, or null."
  }
}

variable "allowed_origins" {
  type        = list(string)
  description = "Browser origins allowed to call the mcp function (ALLOWED_ORIGINS) and to fetch videos from the output bucket (CORS: GET, HEAD). Empty: no browser access."
  default     = []

  validation {
    condition     = alltrue([for origin in var.allowed_origins : origin == "*" || can(regex("^https?://[^/,]+$", origin))])
    error_message = "allowed_origins must be \"*\" or origins such as \"https://app.example.com\" (scheme and host, no path)."
  }
}

# --- Functions -----------------------------------------------------------------------------------------------------

variable "mcp_function" {
  type = object({
    memory          = optional(string, "1Gi")
    cpu             = optional(string, "1")
    timeout_seconds = optional(number, 60)
    concurrency     = optional(number, 20)
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
  })
  description = "Resources of the mcp (HTTP) function: memory, CPUs, request timeout (at most 3600), concurrent requests per instance, min/max instances. The 1Gi of memory is at least twice the peak RSS of 20 concurrent calls measured by npm run bench."
  default     = {}

  validation {
    condition     = var.mcp_function.timeout_seconds >= 1 && var.mcp_function.timeout_seconds <= 3600
    error_message = "mcp_function.timeout_seconds must be between 1 and 3600 (HTTP functions)."
  }
  validation {
    condition     = var.mcp_function.concurrency >= 1 && var.mcp_function.concurrency <= 1000 && (var.mcp_function.concurrency == 1 || tonumber(var.mcp_function.cpu) >= 1)
    error_message = "mcp_function.concurrency must be between 1 and 1000, and above 1 only with cpu of at least 1."
  }
  validation {
    condition     = var.mcp_function.min_instances >= 0 && var.mcp_function.max_instances >= max(1, var.mcp_function.min_instances)
    error_message = "mcp_function needs 0 <= min_instances <= max_instances and max_instances >= 1."
  }
}

variable "poller_function" {
  type = object({
    memory          = optional(string, "512Mi")
    cpu             = optional(string, "1")
    timeout_seconds = optional(number, 300)
    concurrency     = optional(number, 20)
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
  })
  description = "Resources of the poller (Pub/Sub) function: memory, CPUs, event timeout (at most 540), concurrent events per instance, min/max instances. The timeout is also the notices subscription's ack deadline (at least 10)."
  default     = {}

  validation {
    condition     = var.poller_function.timeout_seconds >= 1 && var.poller_function.timeout_seconds <= 540
    error_message = "poller_function.timeout_seconds must be between 1 and 540 (event-driven functions)."
  }
  validation {
    condition     = var.poller_function.concurrency >= 1 && var.poller_function.concurrency <= 1000 && (var.poller_function.concurrency == 1 || tonumber(var.poller_function.cpu) >= 1)
    error_message = "poller_function.concurrency must be between 1 and 1000, and above 1 only with cpu of at least 1."
  }
  validation {
    condition     = var.poller_function.min_instances >= 0 && var.poller_function.max_instances >= max(1, var.poller_function.min_instances)
    error_message = "poller_function needs 0 <= min_instances <= max_instances and max_instances >= 1."
  }
}

variable "requests_function" {
  type = object({
    memory          = optional(string, "1Gi")
    cpu             = optional(string, "1")
    timeout_seconds = optional(number, 120)
    concurrency     = optional(number, 10)
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
  })
  description = "Resources of the requests (Pub/Sub) function: memory, CPUs, event timeout (at most 540), concurrent events per instance, min/max instances. Each event may hold a message of up to max_request_message_bytes and an input image, hence more memory per event than the others."
  default     = {}

  validation {
    condition     = var.requests_function.timeout_seconds >= 1 && var.requests_function.timeout_seconds <= 540
    error_message = "requests_function.timeout_seconds must be between 1 and 540 (event-driven functions)."
  }
  validation {
    condition     = var.requests_function.concurrency >= 1 && var.requests_function.concurrency <= 1000 && (var.requests_function.concurrency == 1 || tonumber(var.requests_function.cpu) >= 1)
    error_message = "requests_function.concurrency must be between 1 and 1000, and above 1 only with cpu of at least 1."
  }
  validation {
    condition     = var.requests_function.min_instances >= 0 && var.requests_function.max_instances >= max(1, var.requests_function.min_instances)
    error_message = "requests_function needs 0 <= min_instances <= max_instances and max_instances >= 1."
  }
}

variable "max_wait_seconds" {
  type        = number
  description = "Longest generate_video may wait for a result within one request (MAX_WAIT_SECONDS); must end before the mcp function's timeout."
  default     = 50

  validation {
    condition     = var.max_wait_seconds >= 0 && var.max_wait_seconds <= 3000 && floor(var.max_wait_seconds) == var.max_wait_seconds && var.max_wait_seconds < var.mcp_function.timeout_seconds
    error_message = "max_wait_seconds must be a whole number from 0 to 3000 and below mcp_function.timeout_seconds."
  }
}

variable "compat_tools" {
  type        = list(string)
  description = "Peer servers whose tool and parameter names the mcp function also offers, on the same operations (COMPAT_TOOLS): genmedia (Google's mcp-genmedia Veo server), media-gen (media-gen-mcp); README: Peer tool names. Empty: off."
  default     = []

  validation {
    condition     = alltrue([for name in var.compat_tools : contains(["genmedia", "media-gen"], name)])
    error_message = "compat_tools may hold only \"genmedia\" and \"media-gen\"."
  }
}

variable "poll_handler_max_wait_seconds" {
  type        = number
  description = "Longest the poller holds an early poll message (POLL_HANDLER_MAX_WAIT_SECONDS); must end well before the poller's timeout."
  default     = 30

  validation {
    condition     = var.poll_handler_max_wait_seconds >= 0 && var.poll_handler_max_wait_seconds < var.poller_function.timeout_seconds
    error_message = "poll_handler_max_wait_seconds must be at least 0 and below poller_function.timeout_seconds."
  }
}

variable "log_level" {
  type        = string
  description = "Lowest severity the functions log (LOG_LEVEL)."
  default     = "info"

  validation {
    condition     = contains(["debug", "info", "warn", "error"], var.log_level)
    error_message = "log_level must be one of debug, info, warn, error."
  }
}

# --- Pipelines and webhooks ----------------------------------------------------------------------------------------

variable "pipeline_principal" {
  type        = string
  description = "Principal that generation requests from the requests topic are recorded under (PIPELINE_PRINCIPAL), unless pipeline_principals names another for their topic or subscription."
  default     = "pipeline"

  validation {
    condition     = length(var.pipeline_principal) >= 1 && length(var.pipeline_principal) <= 200
    error_message = "pipeline_principal must be 1-200 characters."
  }
}

variable "pipeline_principals" {
  type        = map(string)
  description = "Principal per Pub/Sub topic or subscription id that requests arrive on (PIPELINE_PRINCIPALS), e.g. { \"veo-requests\" = \"render-farm\" }; others get pipeline_principal. Not set when empty."
  default     = {}

  validation {
    condition     = alltrue([for id in keys(var.pipeline_principals) : can(regex("^[A-Za-z][A-Za-z0-9_.~+%-]{2,254}$", id))])
    error_message = "pipeline_principals keys must be Pub/Sub topic or subscription ids (not full resource names)."
  }
  validation {
    condition     = alltrue([for principal in values(var.pipeline_principals) : can(regex("^[^,=\\s]([^,=]{0,198}[^,=\\s])?$", principal))])
    error_message = "pipeline_principals values must be 1-200 characters without commas, \"=\" or surrounding spaces."
  }
}

variable "max_request_message_bytes" {
  type        = number
  description = "Largest generation request the requests function accepts, in bytes of message data (MAX_REQUEST_MESSAGE_BYTES), 1024 to 10000000; larger ones are rejected with a request.rejected event."
  default     = 8388608

  validation {
    condition     = var.max_request_message_bytes >= 1024 && var.max_request_message_bytes <= 10000000 && floor(var.max_request_message_bytes) == var.max_request_message_bytes
    error_message = "max_request_message_bytes must be a whole number between 1024 and 10000000 (Pub/Sub's message limit)."
  }
}

variable "enable_webhooks" {
  type        = bool
  description = "Create the WEBHOOK_SIGNING_SECRET secret and mount it into the functions, which then deliver completion events to the webhook_url of a request (HMAC-signed). Add the secret's version out of band (README)."
  default     = false
}

# --- Storage -------------------------------------------------------------------------------------------------------

variable "output_bucket_name" {
  type        = string
  description = "Bucket for generated videos; null means PROJECT-PREFIX-outputs."
  default     = null
}

variable "bucket_location" {
  type        = string
  description = "Location of the buckets; null means the region."
  default     = null
}

variable "output_prefix" {
  type        = string
  description = "Object-name prefix of generated videos (OUTPUT_PREFIX): they are stored at PREFIX/OPERATION_ID/."
  default     = "videos"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*$", var.output_prefix))
    error_message = "output_prefix must be path segments of letters, digits, _ and - separated by /."
  }
}

variable "output_retention_days" {
  type        = number
  description = "Days after which generated videos are deleted from the output bucket (lifecycle rule)."
  default     = 30

  validation {
    condition     = var.output_retention_days >= 1 && var.output_retention_days <= 3650 && floor(var.output_retention_days) == var.output_retention_days
    error_message = "output_retention_days must be a whole number of days between 1 and 3650."
  }
}

variable "signed_url_ttl_seconds" {
  type        = number
  description = "Lifetime of the signed download links (SIGNED_URL_TTL_SECONDS); GCS caps V4 signed URLs at 7 days."
  default     = 3600

  validation {
    condition     = var.signed_url_ttl_seconds >= 60 && var.signed_url_ttl_seconds <= 604800 && floor(var.signed_url_ttl_seconds) == var.signed_url_ttl_seconds
    error_message = "signed_url_ttl_seconds must be a whole number between 60 and 604800."
  }
}

variable "force_destroy" {
  type        = bool
  description = "Let terraform destroy delete the output bucket with the videos in it."
  default     = false
}

# --- Firestore -----------------------------------------------------------------------------------------------------

variable "create_firestore_database" {
  type        = bool
  description = "Create the Firestore database; false when it already exists in the project (the indexes and TTL policies are created either way)."
  default     = true
}

variable "firestore_database" {
  type        = string
  description = "Firestore database id (FIRESTORE_DATABASE)."
  default     = "(default)"
}

variable "firestore_location" {
  type        = string
  description = "Firestore location (a region such as us-central1 or a multi-region such as nam5); null means the region. Cannot change after creation."
  default     = null
}

variable "firestore_delete_protection" {
  type        = bool
  description = "Enable Firestore delete protection on the database the module creates."
  default     = true
}

variable "operation_retention_days" {
  type        = number
  description = "Days operation records and idempotency keys are kept before Firestore's TTL deletes them (OPERATION_RETENTION_DAYS)."
  default     = 30

  validation {
    condition     = var.operation_retention_days >= 1 && var.operation_retention_days <= 3650 && floor(var.operation_retention_days) == var.operation_retention_days
    error_message = "operation_retention_days must be a whole number of days between 1 and 3650."
  }
}

# --- Pub/Sub and the sweep -----------------------------------------------------------------------------------------

variable "max_delivery_attempts" {
  type        = number
  description = "Deliveries of a message on a module-created subscription before it goes to the dead-letter topic (5-100)."
  default     = 10

  validation {
    condition     = var.max_delivery_attempts >= 5 && var.max_delivery_attempts <= 100
    error_message = "max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}

variable "sweep_interval_minutes" {
  type        = number
  description = "Minutes between sweeps for operations whose poll message was lost (Cloud Scheduler); a divisor of 60."
  default     = 2

  validation {
    # Divisors of 60, so that "*/N" fires at even intervals across the hour.
    condition     = contains([1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30], var.sweep_interval_minutes)
    error_message = "sweep_interval_minutes must divide 60: one of 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30."
  }
}

# --- Spend limits (README: Security > Spend limits) ---------------------------------------------------------------
# Read by mcp and requests; the repository README's Security section says why these defaults.

variable "daily_video_seconds_per_principal" {
  type        = number
  description = "Seconds of video (duration x number of videos) one principal may start per UTC day (DAILY_VIDEO_SECONDS_PER_PRINCIPAL)."
  default     = 480

  validation {
    condition     = var.daily_video_seconds_per_principal >= 1 && var.daily_video_seconds_per_principal <= 10000000 && floor(var.daily_video_seconds_per_principal) == var.daily_video_seconds_per_principal
    error_message = "daily_video_seconds_per_principal must be a whole number between 1 and 10000000."
  }
}

variable "principal_daily_video_seconds" {
  type        = map(number)
  description = "Per-principal replacements of daily_video_seconds_per_principal (PRINCIPAL_DAILY_VIDEO_SECONDS), e.g. { \"pipeline\" = 7200, \"key:alice\" = 1200 }. Not set when empty."
  default     = {}

  validation {
    condition     = alltrue([for principal in keys(var.principal_daily_video_seconds) : can(regex("^[^,=\\s][^,=]*$", principal))])
    error_message = "principal_daily_video_seconds keys must be principals without commas, \"=\" or leading spaces."
  }
  validation {
    condition     = alltrue([for seconds in values(var.principal_daily_video_seconds) : seconds >= 1 && seconds <= 10000000 && floor(seconds) == seconds])
    error_message = "principal_daily_video_seconds values must be whole numbers between 1 and 10000000."
  }
}

variable "daily_video_seconds_total" {
  type        = number
  description = "Seconds of video the whole deployment may start per UTC day, all principals together (DAILY_VIDEO_SECONDS_TOTAL)."
  default     = 2400

  validation {
    condition     = var.daily_video_seconds_total >= 1 && var.daily_video_seconds_total <= 100000000 && floor(var.daily_video_seconds_total) == var.daily_video_seconds_total
    error_message = "daily_video_seconds_total must be a whole number between 1 and 100000000."
  }
}

variable "requests_per_minute_per_principal" {
  type        = number
  description = "Tool calls (every tools/call, reads included) one principal may make per UTC minute (REQUESTS_PER_MINUTE_PER_PRINCIPAL)."
  default     = 60

  validation {
    condition     = var.requests_per_minute_per_principal >= 1 && var.requests_per_minute_per_principal <= 100000 && floor(var.requests_per_minute_per_principal) == var.requests_per_minute_per_principal
    error_message = "requests_per_minute_per_principal must be a whole number between 1 and 100000."
  }
}

variable "max_running_operations_per_principal" {
  type        = number
  description = "Generations of one principal at Veo at once; more wait in line (MAX_RUNNING_OPERATIONS_PER_PRINCIPAL). Also read by the poller."
  default     = 10

  validation {
    condition     = var.max_running_operations_per_principal >= 1 && var.max_running_operations_per_principal <= 10000 && floor(var.max_running_operations_per_principal) == var.max_running_operations_per_principal
    error_message = "max_running_operations_per_principal must be a whole number between 1 and 10000."
  }
}

# --- Bursts and outages (README: Queueing, quotas and outages) ---
# Read by mcp, requests and poller; the repository README's section on queueing, quotas and outages says how to choose them.

variable "veo_submits_per_minute" {
  type        = number
  description = "Submits per minute per model sent to Veo, shared by all instances: set it to the project's Vertex AI quota for the model (VEO_SUBMITS_PER_MINUTE). Google documents 50 requests per minute per project for the Veo 3.1 GA models (Vertex model page, read 2026-12-02)."
  default     = 50

  validation {
    condition     = var.veo_submits_per_minute >= 1 && var.veo_submits_per_minute <= 1000 && floor(var.veo_submits_per_minute) == var.veo_submits_per_minute
    error_message = "veo_submits_per_minute must be a whole number between 1 and 1000."
  }
}

variable "veo_submits_per_minute_by_model" {
  type        = map(number)
  description = "Per-model replacements of veo_submits_per_minute, e.g. { \"veo-3.1-fast-generate-001\" = 50 } (VEO_SUBMITS_PER_MINUTE_BY_MODEL)."
  default     = {}

  validation {
    condition     = alltrue([for model, rate in var.veo_submits_per_minute_by_model : can(regex("^[A-Za-z0-9_.-]+$", model)) && rate >= 1 && rate <= 1000 && floor(rate) == rate])
    error_message = "veo_submits_per_minute_by_model: each key must be a model id (letters, digits, _ . -) and each value a whole number between 1 and 1000."
  }
  validation {
    # As veo_default_model: the live ids of the backend's API in functions/src/video/catalog.ts.
    condition     = alltrue([for model in keys(var.veo_submits_per_minute_by_model) : contains(var.veo_backend == "vertex" ? ["veo-3.1-fast-generate-001", "veo-3.1-generate-001", "veo-3.1-lite-generate-001", "gemini-omni-1.2-flash", "gemini-omni-1.1-flash-preview", "gemini-omni-flash-preview"] : ["gemini-omni-1.2-flash", "gemini-omni-1.1-flash"], model)])
    error_message = "veo_submits_per_minute_by_model keys must be live models of the backend (see veo_default_model)."
  }
}

variable "max_queued_operations_per_principal" {
  type        = number
  description = "Generations one principal may have waiting in one model's line; more are refused (MAX_QUEUED_OPERATIONS_PER_PRINCIPAL)."
  default     = 100

  validation {
    condition     = var.max_queued_operations_per_principal >= 1 && var.max_queued_operations_per_principal <= 2000 && floor(var.max_queued_operations_per_principal) == var.max_queued_operations_per_principal
    error_message = "max_queued_operations_per_principal must be a whole number between 1 and 2000."
  }
}

variable "breaker_failures" {
  type        = number
  description = "Veo submit failures (5xx, timeouts, unreachable) within breaker_window_seconds, with no successful submit in between, that open a model's circuit breaker (BREAKER_FAILURES)."
  default     = 5

  validation {
    condition     = var.breaker_failures >= 1 && var.breaker_failures <= 1000 && floor(var.breaker_failures) == var.breaker_failures
    error_message = "breaker_failures must be a whole number between 1 and 1000."
  }
}

variable "breaker_window_seconds" {
  type        = number
  description = "The window in which breaker_failures are counted (BREAKER_WINDOW_SECONDS)."
  default     = 60

  validation {
    condition     = var.breaker_window_seconds > 0 && var.breaker_window_seconds <= 3600
    error_message = "breaker_window_seconds must be greater than 0 and at most 3600."
  }
}

variable "breaker_open_seconds" {
  type        = number
  description = "How long an open breaker waits before one probe submit; doubles after each failed probe, up to 16 times (BREAKER_OPEN_SECONDS)."
  default     = 30

  validation {
    condition     = var.breaker_open_seconds > 0 && var.breaker_open_seconds <= 3600
    error_message = "breaker_open_seconds must be greater than 0 and at most 3600."
  }
}

# --- Source archives -----------------------------------------------------------------------------------------------

variable "source_retention_days" {
  type        = number
  description = "Days after which source archives (source-MD5.zip) are deleted from the sources bucket (lifecycle rule). A deleted current archive is uploaded again by the next terraform apply, without redeploying the functions."
  default     = 30

  validation {
    condition     = var.source_retention_days >= 1 && var.source_retention_days <= 3650 && floor(var.source_retention_days) == var.source_retention_days
    error_message = "source_retention_days must be a whole number of days between 1 and 3650."
  }
}

# --- Monitoring (monitoring.tf) ------------------------------------------------------------------------------------

variable "alerts_enabled" {
  type        = bool
  description = "Create the alert policies of monitoring.tf (daily video seconds, error ratio, message age, dead letters). The log-based metrics and the dashboard are created either way."
  default     = true
}

variable "alert_notification_channels" {
  type        = list(string)
  description = "Cloud Monitoring notification channels every alert policy notifies (projects/PROJECT/notificationChannels/ID). Empty: incidents open in the console only."
  default     = []

  validation {
    condition     = alltrue([for channel in var.alert_notification_channels : can(regex("^projects/[^/]+/notificationChannels/[^/]+$", channel))])
    error_message = "alert_notification_channels must hold channel names of the form projects/PROJECT/notificationChannels/ID."
  }
}

variable "daily_video_seconds_alert_share" {
  type        = number
  description = "Share of daily_video_seconds_total (DAILY_VIDEO_SECONDS_TOTAL) that the deployment's video seconds over the last 24 hours must reach to alert."
  default     = 0.8

  validation {
    condition     = var.daily_video_seconds_alert_share > 0 && var.daily_video_seconds_alert_share <= 1
    error_message = "daily_video_seconds_alert_share must be above 0 and at most 1."
  }
}

variable "alert_error_ratio" {
  type        = number
  description = "Alert when more than this share of a function's HTTP responses are 5xx (15 min), or of generations end FAILED (other than on the caller's invalid arguments) or EXPIRED (1 h)."
  default     = 0.1

  validation {
    condition     = var.alert_error_ratio > 0 && var.alert_error_ratio < 1
    error_message = "alert_error_ratio must be above 0 and below 1."
  }
}

variable "alert_oldest_unacked_message_seconds" {
  type        = number
  description = "Alert when a message on the poll or requests topic has waited unacknowledged longer than this (seconds, for 5 minutes); must exceed poll_handler_max_wait_seconds, for which early poll messages are held."
  default     = 600

  validation {
    condition     = var.alert_oldest_unacked_message_seconds > var.poll_handler_max_wait_seconds && var.alert_oldest_unacked_message_seconds <= 604800
    error_message = "alert_oldest_unacked_message_seconds must be above poll_handler_max_wait_seconds and at most 604800 (7 days)."
  }
}

variable "monitoring_principal_label" {
  type        = bool
  description = "Label the spend and refusal metrics by principal. One time series per caller: turn off with many callers (high cardinality costs and hits Cloud Monitoring's series limits). In iam and iap auth modes the principal is the caller's email, which is personal data in metric labels. Off keeps the label (a log-based metric's labels cannot be removed) with empty values."
  default     = true
}

# --- Operations, request limits and the IAP front ------------------------------------------------------------------

variable "veo_timeout_seconds" {
  type        = number
  description = "Timeout of each Veo or Omni API call, in every function (VEO_TIMEOUT_SECONDS)."
  default     = 30

  validation {
    condition     = var.veo_timeout_seconds >= 1 && var.veo_timeout_seconds <= 300 && floor(var.veo_timeout_seconds) == var.veo_timeout_seconds
    error_message = "veo_timeout_seconds must be a whole number between 1 and 300."
  }
}

variable "veo_operation_deadline_seconds" {
  type        = number
  description = "A generation not done this long after its submit ends EXPIRED, and one still in line this long after it was accepted ends EXPIRED unsent (VEO_OPERATION_DEADLINE_SECONDS)."
  default     = 1800

  validation {
    condition     = var.veo_operation_deadline_seconds > 0 && var.veo_operation_deadline_seconds <= 86400
    error_message = "veo_operation_deadline_seconds must be greater than 0 and at most 86400."
  }
}

variable "poll_initial_delay_seconds" {
  type        = number
  description = "First poll of a generation after its submit (POLL_INITIAL_DELAY_SECONDS); the default is the code's for Google's APIs."
  default     = 20

  validation {
    condition     = var.poll_initial_delay_seconds > 0 && var.poll_initial_delay_seconds <= 600
    error_message = "poll_initial_delay_seconds must be greater than 0 and at most 600."
  }
}

variable "poll_interval_seconds" {
  type        = number
  description = "Steady poll interval: a completion is noticed within one interval when no notice arrives (POLL_INTERVAL_SECONDS)."
  default     = 10

  validation {
    condition     = var.poll_interval_seconds > 0 && var.poll_interval_seconds <= 600
    error_message = "poll_interval_seconds must be greater than 0 and at most 600."
  }
}

variable "poll_max_interval_seconds" {
  type        = number
  description = "Ceiling of the poll backoff after Veo errors (POLL_MAX_INTERVAL_SECONDS); a value below poll_interval_seconds acts as poll_interval_seconds."
  default     = 30

  validation {
    condition     = var.poll_max_interval_seconds > 0 && var.poll_max_interval_seconds <= 3600
    error_message = "poll_max_interval_seconds must be greater than 0 and at most 3600."
  }
}

variable "sweep_grace_seconds" {
  type        = number
  description = "How overdue a poll must be before the poller's sweep assumes its message was lost and re-enqueues it (SWEEP_GRACE_SECONDS)."
  default     = 60

  validation {
    condition     = var.sweep_grace_seconds >= 0 && var.sweep_grace_seconds <= 3600
    error_message = "sweep_grace_seconds must be between 0 and 3600."
  }
}

variable "max_image_bytes" {
  type        = number
  description = "Largest input image the mcp and requests functions read or fetch, in bytes (MAX_IMAGE_BYTES)."
  default     = 20971520

  validation {
    condition     = var.max_image_bytes >= 1024 && var.max_image_bytes <= 52428800 && floor(var.max_image_bytes) == var.max_image_bytes
    error_message = "max_image_bytes must be a whole number between 1024 and 52428800."
  }
}

variable "max_request_bytes" {
  type        = number
  description = "Largest MCP request body the mcp function reads, counted after decoding; larger gets HTTP 413 (MAX_REQUEST_BYTES)."
  default     = 33554432

  validation {
    condition     = var.max_request_bytes >= 1024 && var.max_request_bytes <= 104857600 && floor(var.max_request_bytes) == var.max_request_bytes
    error_message = "max_request_bytes must be a whole number between 1024 and 104857600."
  }
}

variable "public_base_url" {
  type        = string
  description = "The URL callers reach the mcp function at when it is not the function's own, e.g. a custom domain (PUBLIC_BASE_URL): named in 401 challenges, accepted as an ID-token audience and as a browser origin. Empty: the URL each request arrived at."
  default     = ""

  validation {
    condition     = var.public_base_url == "" || can(regex("^https?://[^/\\s]+(/\\S*)?$", var.public_base_url))
    error_message = "public_base_url must be empty or an absolute http(s) URL such as https://veo.example.com."
  }
}

variable "iap_enabled" {
  type        = bool
  description = "Put Identity-Aware Proxy in front of the mcp function (iap.tf): enables the IAP API, lets the IAP service agent invoke the function and grants iap_members access through IAP. IAP itself is switched on on the function's Cloud Run service with one gcloud command (terraform output mcp_iap_enable_command). Needs auth_mode = \"iap\" (the user IAP verified is the caller) or \"api_key\" (keys tell the callers apart): behind IAP every request reaches Cloud Run with the IAP service agent's token, so with \"iam\" all callers would be one principal."
  default     = false

  validation {
    condition     = !var.iap_enabled || contains(["iap", "api_key"], var.auth_mode)
    error_message = "iap_enabled = true requires auth_mode = \"iap\" or \"api_key\": behind IAP every request carries the IAP service agent's token, so with \"iam\" all callers would be one principal."
  }
  validation {
    # Here rather than on auth_mode: the two variables' validations may not refer to each other both ways.
    condition     = var.iap_enabled || var.auth_mode != "iap"
    error_message = "auth_mode = \"iap\" requires iap_enabled = true: the callers are the users IAP lets through, and without IAP no request carries its assertion."
  }
  validation {
    condition     = !(var.iap_enabled && var.allow_unauthenticated)
    error_message = "iap_enabled and allow_unauthenticated cannot both be true: with allUsers as invoker the endpoint would be open whenever IAP is off on the service (e.g. before it is switched on, or if a redeploy resets it)."
  }
}

variable "iap_members" {
  type        = list(string)
  description = "With iap_enabled: IAM members allowed through IAP to the mcp function (roles/iap.httpsResourceAccessor on its Cloud Run service), e.g. \"group:agents@example.com\"."
  default     = []

  validation {
    condition     = alltrue([for member in var.iap_members : can(regex("^(user|group|serviceAccount|domain|principal|principalSet):.+", member))])
    error_message = "iap_members must be IAM members (user:, group:, serviceAccount:, domain:, principal:, principalSet:), never allUsers or allAuthenticatedUsers."
  }
  validation {
    condition     = length(var.iap_members) == 0 || var.iap_enabled
    error_message = "iap_members applies only with iap_enabled = true."
  }
}
