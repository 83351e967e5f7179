# Buckets: generated videos (read by callers only through V4 signed URLs) and the functions' source archives.

resource "google_storage_bucket" "outputs" {
  project                     = var.project_id
  name                        = local.output_bucket_name
  location                    = local.bucket_location
  uniform_bucket_level_access = true
  # Signed URLs are the only way in: never a public object, whatever an ACL or a later grant says.
  public_access_prevention = "enforced"
  force_destroy            = var.force_destroy
  labels                   = local.labels

  lifecycle_rule {
    condition {
      age = var.output_retention_days
    }
    action {
      type = "Delete"
    }
  }

  # Browser players fetch signed URLs cross-origin (range requests for seeking); the same origins may call the MCP
  # endpoint.
  dynamic "cors" {
    for_each = length(var.allowed_origins) > 0 ? [var.allowed_origins] : []
    content {
      origin          = cors.value
      method          = ["GET", "HEAD"]
      response_header = ["Content-Type", "Content-Length", "Content-Range", "Accept-Ranges"]
      max_age_seconds = 3600
    }
  }

  depends_on = [google_project_service.this]
}

resource "google_storage_bucket" "sources" {
  project                     = var.project_id
  name                        = local.source_bucket_name
  location                    = local.bucket_location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  # Holds only archives rebuilt from the repository on every apply.
  force_destroy = true
  labels        = local.labels

  # Each code change uploads a new source-MD5.zip and old ones are deleted by age. Deleting the current one is safe:
  # a function reads its archive only when it builds (it runs from the built image; base image updates need no
  # rebuild, Cloud Run docs read 2026-12-02), and the next plan finds it gone (the provider drops a 404 object from
  # state) and uploads it again under the same name before updating any function, whose source is then unchanged.
  lifecycle_rule {
    condition {
      age            = var.source_retention_days
      matches_prefix = ["source-"]
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.this]
}

# The repository as Cloud Functions builds it (package.json, lockfile, tsconfig, functions/): its buildpack runs
# `npm ci` and the `gcp-build` script. Installed and generated files, tests, and this module (with its state and
# plans) stay out, so the hash changes only when the deployed code does.
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.module}/.build/source.zip"
  # Exact relative paths on purpose: the provider turns a "*" into an unanchored regex, so "*.log" would also drop
  # functions/src/log.ts.
  excludes = [
    ".git",
    ".blobs",
    ".ci",
    ".env",
    "bench-results",
    "dist",
    "node_modules",
    "terraform",
    "test",
  ]
}

# Named by content hash: a code change uploads a new object, which changes the functions' source and redeploys them;
# an unchanged tree deploys nothing.
resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.sources.name
  source = data.archive_file.source.output_path
}
