/**
 * Elasticsearch, Java or stack-trace wording that must never reach a caller of the service: exception type names
 * (`…_exception`, `…Exception`), Elasticsearch's phrases, Java packages and stack frames with file positions.
 */
export const ELASTICSEARCH_TEXT =
  /[a-z]_exception|[a-z]Exception\b|org\.elasticsearch|org\.apache|java\.(lang|util|io)|Preview of field|failed to parse field|root_cause|caused_by|all shards failed|\bat (async )?[\w$.<>[\]]+ \(?[^()\s]*:\d+:\d+\)?|node:internal/;
