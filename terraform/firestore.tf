# Firestore (native mode): operation records, idempotency keys, usage counters and the admission gates (one document
# per model in the usage collection), and API keys. The composite indexes, TTL policies and index exemptions are read
# from the file the code declares them in, so the queries and their indexes cannot drift apart. API keys need neither
# index nor TTL: a lookup is a get by id, the list orders by one field, and records are kept after expiry on purpose.

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

  # Fields no query reads, declared with `"indexes": []` and no TTL: their single-field indexes are removed.
  firestore_unindexed_fields = {
    for override in local.firestore_spec.fieldOverrides :
    "${override.collectionGroup}.${override.fieldPath}" => override
    if !try(override.ttl, false) && length(try(override.indexes, [null])) == 0
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

# The gate documents hold arrays of up to 2000 entries (operations/gate.ts MAX_LINE) that are read by id only; by
# default Firestore indexes every field and array element, which slows each gate write ("remove unused indexes to
# improve write performance", Firestore docs: solutions/index-map-field, read 2026-12-02). A database allows 200
# single-field exemptions; this module uses seven.
resource "google_firestore_field" "unindexed" {
  for_each = local.firestore_unindexed_fields

  project    = var.project_id
  database   = local.firestore_database
  collection = each.value.collectionGroup
  field      = each.value.fieldPath

  index_config {}
}
