/** Elasticsearch, Java or stack-trace wording that must never reach a caller of the service. */
export const ELASTICSEARCH_TEXT =
  /exception|elasticsearch\.|org\.apache|java\.|Preview of field|document_parsing|action_request_validation|search_phase|query_shard|root_cause|caused_by|\bat [A-Za-z_$][\w$]*\.[\w$]+ ?\(|\.ts:\d+:\d+|node:internal/i;
