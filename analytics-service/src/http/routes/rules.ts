/** GET /v1/rules — the rule catalogue with the configuration in force. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DetectionConfigSchema } from '../../detection/config-schema.js';

export const ruleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/rules',
    {
      config: { role: 'read' },
      schema: {
        tags: ['detections'],
        summary: 'The detection rule catalogue (role: read)',
        description:
          'Every rule as evaluated: thresholds, windows and lists resolved from the detection config, with `config` giving the ' +
          'rule’s tunables in force. `detection_config` is the whole configuration (defaults merged with AISEC_DETECTION_CONFIG).',
        querystring: Type.Object({ enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            rules: Type.Array(
              Type.Object(
                {
                  id: Type.String(),
                  title: Type.String(),
                  description: Type.String(),
                  source: Type.String(),
                  type: Type.String(),
                  enabled: Type.Boolean(),
                  severity: Type.String(),
                  window: Type.String(),
                  tags: Type.Object({ atlas: Type.Array(Type.String()), owasp_llm: Type.Array(Type.String()), owasp_agentic: Type.Array(Type.String()) }, { additionalProperties: true }),
                  response: Type.String(),
                  config: Type.Record(Type.String(), Type.Unknown(), { description: 'this rule’s tunables in force (detection config rules.<id>)' }),
                },
                { additionalProperties: true, description: 'a rule as in rules/<id>.yaml with $rule/$lists references resolved; type-specific fields follow the rule schema' },
              ),
            ),
            detection_config: DetectionConfigSchema,
            config_file: Type.Optional(Type.String({ description: 'AISEC_DETECTION_CONFIG, when set' })),
          }),
        },
      },
    },
    async (request) => {
      const { catalogue, settings } = app.detection;
      const rules = catalogue.rules
        .filter((r) => request.query.enabled === undefined || r.enabled === request.query.enabled)
        .map((r) => ({ ...r, config: catalogue.config.rules[r.id] ?? {} }));
      return { rules, detection_config: catalogue.config, ...(settings.configPath ? { config_file: settings.configPath } : {}) };
    },
  );
};
