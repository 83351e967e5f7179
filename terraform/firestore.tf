# Firestore (native mode): the operation records and idempotency keys. The composite indexes and TTL policies are
# read from the file the code declares them in, so the queries and their indexes cannot drift apart.

locals {
  firestore_spec = jsondecode(file("${path.module}/../functions/src/store/firestore-indexes.json"))

  firestore_indexes = {
    for index in local.firestore_spec.indexes :
    join("--", concat([index.collectionGroup], [for field in index.fields : "${field.fieldPath}-${field.order}"])) => index
  }

  firestore_ttl_fields = {
    for override in local.firestore_spec.fieldOverrides :
    "${override.collectionGroup}.${override.fieldPath}" => override if try(override.ttl, false)
  }

  firestore_database = var.create_firestore_database ? google_firestore_database.this[0].name : var.firestore_database
}

# Set create_firestore_database = false when the project already has this database (for "(default)", common).
resource "google_firestore_database" "this" {
  count = var.create_firestore_database ? 1 : 0

  project                 = var.project_id
  name                    = var.firestore_database
  location_id             = coalesce(var.firestore_location, var.region)
  type                    = "FIRESTORE_NATIVE"
  delete_protection_state = var.firestore_delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  # Keep the data when the module is destroyed; deleting a database is a deliberate, manual act.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.this]
}

resource "google_firestore_index" "this" {
  for_each = local.firestore_indexes

  project     = var.project_id
  database    = local.firestore_database
  collection  = each.value.collectionGroup
  query_scope = each.value.queryScope

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.fieldPath
      order      = fields.value.order
    }
  }
}

# Records carry expireAt (OPERATION_RETENTION_DAYS ahead); Firestore deletes them after it passes. The JSON declares
# no single-field index on expireAt, and an empty index_config removes them (cheaper writes).
resource "google_firestore_field" "ttl" {
  for_each = local.firestore_ttl_fields

  project    = var.project_id
  database   = local.firestore_database
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  ttl_config {}
  index_config {}
}
