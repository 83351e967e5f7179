# Providers, the project lookup and the names every other file shares.

provider "google" {
  project = var.project_id
  region  = var.region
}

provider "google-beta" {
  project = var.project_id
  region  = var.region
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  project_number = data.google_project.this.number

  output_bucket_name = coalesce(var.output_bucket_name, "${var.project_id}-${var.name_prefix}-outputs")
  source_bucket_name = "${var.project_id}-${var.name_prefix}-sources"
  bucket_location    = coalesce(var.bucket_location, var.region)

  # Google-managed service agents; they exist once their API is enabled (see apis.tf).
  pubsub_service_agent = "serviceAccount:service-${local.project_number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  vertex_service_agent = "serviceAccount:service-${local.project_number}@gcp-sa-aiplatform.iam.gserviceaccount.com"

  labels = merge({ app = "veo-mcp", deployed-by = "terraform" }, var.labels)
}
