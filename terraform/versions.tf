terraform {
  # Variable validations that refer to other variables need Terraform 1.9 or newer.
  required_version = ">= 1.9"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.0"
    }
    google-beta = {
      source  = "hashicorp/google-beta"
      version = "~> 6.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.4"
    }
  }

  # Partial configuration: the bucket (and optionally the prefix) come from `terraform init -backend-config=...`,
  # so the same module deploys into any project.
  backend "gcs" {}
}
