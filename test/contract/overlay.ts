/**
 * Corrections to the classic OpenAPI document (0.6.0), each with its source — the slips that
 * ../shared/reference/ukc-api.md §0.1 lists, where a higher-ranked source (the seed, then what
 * the official classic Go SDK sends) says otherwise. Nothing here loosens a rule to make a test
 * pass: a correction either fixes a declared shape the document got wrong, or adds an operation
 * the document omits but an official source sends. One tightening is recorded too (no
 * `features` in classic answers).
 */

export type Schema = Record<string, unknown>
export interface Operation {
  operationId?: string | null
  request?: Schema | null
  requestRequired?: boolean
  query?: Record<string, { schema: Schema; required: boolean }>
  response?: Schema | null
}
export type Operations = Record<string, Operation>

export interface Correction {
  /** The operation(s) it touches, `METHOD /path` as in the document. */
  ops: string[]
  what: string
  source: string
  apply: (ops: Operations) => void
}

/** The schema at a dotted path of `properties` / `items` steps, e.g. `items.properties.digest`. */
export function at(schema: Schema, path: string): Schema {
  return path
    .split('.')
    .filter(Boolean)
    .reduce<Schema>((node, key) => {
      const next = node[key] as Schema | undefined
      if (!next) throw new Error(`overlay: no '${key}' in ${JSON.stringify(node).slice(0, 120)}`)
      return next
    }, schema)
}

const op = (ops: Operations, key: string): Operation => {
  const o = ops[key]
  if (!o) throw new Error(`overlay: the document has no operation ${key}`)
  return o
}

const UUID = { type: 'string', format: 'uuid', maxLength: 36 }
const NAME = { type: 'string', format: 'basename', maxLength: 255 }
/** `{uuid}` or `{name}`, exactly one (ukc-api.md §2, every SDK). */
const REF = {
  type: 'object',
  properties: { uuid: UUID, name: NAME },
  oneOf: [{ required: ['uuid'] }, { required: ['name'] }]
}
const HANDLERS = { type: 'array', maxItems: 253, items: { enum: ['tls', 'http', 'redirect'] } }
const SERVICE = {
  type: 'object',
  required: ['port'],
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    destination_port: { type: 'integer', minimum: 1, maximum: 65535 },
    handlers: HANDLERS
  }
}
const DOMAIN = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', format: 'hostname', maxLength: 255 }, certificate: REF }
}
/** A full pinned image reference: `user/app@sha256:<64 hex>` (one `@`, nothing after the hex). */
export const PINNED_REF = '^[a-z0-9][a-z0-9._/-]*@sha256:[0-9a-f]{64}$'
const STEP = {
  type: 'object',
  required: ['adjustment'],
  properties: {
    lower_bound: { type: 'integer' },
    upper_bound: { type: 'integer' },
    adjustment: { type: 'integer' }
  }
}
const POLICY = {
  type: 'object',
  required: ['name', 'type'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,63}$' },
    type: { enum: ['step', 'on_demand'] },
    metric: { enum: ['cpu', 'inflight_reqs'] },
    adjustment_type: { enum: ['change', 'exact', 'percent'] },
    steps: { type: 'array', minItems: 1, maxItems: 4, items: STEP },
    exclusive: { type: 'boolean' }
  }
}
const AUTOSCALE_CONFIG = {
  type: 'object',
  required: ['master'],
  oneOf: [{ required: ['uuid'] }, { required: ['name'] }],
  properties: {
    uuid: UUID,
    name: NAME,
    min_size: { type: 'integer', minimum: 0 },
    max_size: { type: 'integer', minimum: 1 },
    warmup_time_ms: { type: 'integer', minimum: 1 },
    cooldown_time_ms: { type: 'integer', minimum: 1 },
    master: REF,
    policies: { type: 'array', maxItems: 8, items: POLICY }
  }
}
const envelope = (plural: string, item: Schema): Schema => ({
  type: 'object',
  properties: {
    status: { type: 'string' },
    data: { type: 'object', properties: { [plural]: { type: 'array', items: item } } }
  }
})

/** Every `status` enum in a response schema, widened to what the API answers. */
function widenStatus(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(widenStatus)
  if (node === null || typeof node !== 'object') return
  const o = node as Schema
  const props = o.properties as Record<string, Schema> | undefined
  const status = props?.status
  if (status && Array.isArray(status.enum) && status.enum.includes('failure'))
    status.enum = ['success', 'error', 'partial_success', 'failure', 'unconfigured']
  Object.values(o).forEach(widenStatus)
}

export const corrections: Correction[] = [
  {
    ops: ['* responses'],
    what: "top-level and per-item `status` is `error` (and `partial_success`; autoscale GET also `unconfigured`); the document's enums say `failure`",
    source:
      'ukc-api.md §3.1 (every SDK and the docs use "error"); kraftcloud/go-sdk client/service_response.go',
    apply: (ops) => Object.values(ops).forEach((o) => widenStatus(o.response))
  },
  {
    ops: ['GET /instances/wait'],
    what: 'wait is a GET with a JSON array body; the document says PUT',
    source: 'kraftcloud/go-sdk instances/instance_wait_by_names.go, kraftkit (ukc-api.md §0.1)',
    apply: (ops) => {
      ops['GET /instances/wait'] = op(ops, 'PUT /instances/wait')
    }
  },
  {
    ops: ['POST /instances'],
    what: '`image` may be pinned: the full reference `user/app@sha256:<hex>` the images API answers (the pattern admits no digest)',
    source: 'ukc-api.md §0.1 (OpenAPI image.digest example; kraftkit img remove --all)',
    apply: (ops) => {
      const image = at(op(ops, 'POST /instances').request!, 'properties.image')
      image.anyOf = [{ pattern: image.pattern }, { pattern: PINNED_REF }]
      delete image.pattern
    }
  },
  {
    ops: ['POST /instances'],
    what: '`env` is a map of strings (the document writes a property literally named additionalProperties); `vcpus` is an integer (not in 0.6.0); a new volume is `{size_mb, at}`; `service_group` is `{uuid}`, `{name}` or a new group with an array of services and `{name, certificate?}` domains',
    source:
      'ukc-api.md §6.5 (docs; quota limits min_vcpus/max_vcpus), kraftcloud/go-sdk instances/models.go CreateRequestVolume.SizeMB, POST /services in this document',
    apply: (ops) => {
      const req = op(ops, 'POST /instances').request!
      const props = req.properties as Record<string, Schema>
      props.env = { type: 'object', additionalProperties: { type: 'string' } }
      props.vcpus = { type: 'integer', minimum: 1 }
      const vol = at(req, 'properties.volumes.items')
      ;(vol.properties as Record<string, Schema>).size_mb = {
        type: 'integer',
        minimum: 1,
        maximum: 1048576
      }
      vol.oneOf = [
        { required: ['uuid', 'at'] },
        { required: ['name', 'at'] },
        { required: ['size_mb', 'at'] }
      ]
      props.service_group = {
        type: 'object',
        oneOf: [{ required: ['uuid'] }, { required: ['name'] }, { required: ['services'] }],
        properties: {
          uuid: UUID,
          name: NAME,
          services: { type: 'array', maxItems: 253, items: SERVICE },
          domains: { type: 'array', maxItems: 253, items: DOMAIN },
          soft_limit: { type: 'integer', minimum: 1, maximum: 65535 },
          hard_limit: { type: 'integer', minimum: 1, maximum: 65535 }
        }
      }
    }
  },
  {
    ops: ['PUT /instances/start'],
    what: 'a start item may carry `wait_timeout_ms` (the document lists only uuid and name)',
    source: 'kraftcloud/go-sdk instances/instance_start.go (sets wait_timeout_ms per item)',
    apply: (ops) => {
      const item = at(op(ops, 'PUT /instances/start').request!, 'items.properties')
      item.wait_timeout_ms = { type: 'integer', minimum: -1, maximum: 2147483647 }
    }
  },
  {
    ops: ['POST /certificates'],
    what: "the PEM patterns use '.', which stops at a line break, so no real PEM (RFC 7468: lines) could match; read as any characters",
    source: 'RFC 7468 §2; every SDK uploads the PEM file as it is (ukc-api.md §8)',
    apply: (ops) => {
      const props = at(op(ops, 'POST /certificates').request!, 'properties')
      at(props, 'chain').pattern = '^-----BEGIN CERTIFICATE-----[\\s\\S]+-----END CERTIFICATE-----'
      at(props, 'pkey').pattern = '^-----BEGIN PRIVATE KEY-----[\\s\\S]+-----END PRIVATE KEY-----'
    }
  },
  {
    ops: ['GET /instances', 'GET /instances/{uuid}', 'POST /instances'],
    what: "an instance's `image` is the pinned full reference; its group's domains are `{fqdn, certificate?}` (declared `{name}`); a volume item carries both uuid and name; a list has as many items as there are instances (declared at most 1)",
    source:
      'ukc-api.md §0.1 and §6.8; kraftcloud/go-sdk services/models.go GetCreateResponseDomain, instances/models.go GetResponseVolume',
    apply: (ops) => {
      for (const key of ['GET /instances', 'GET /instances/{uuid}']) {
        const list = at(op(ops, key).response!, 'properties.data.properties.instances')
        delete list.maxItems
        const inst = at(list, 'items.properties')
        at(inst, 'image').anyOf = [{ pattern: at(inst, 'image').pattern }, { pattern: PINNED_REF }]
        delete at(inst, 'image').pattern
        at(inst, 'service_group.properties').domains = {
          type: 'array',
          items: {
            type: 'object',
            required: ['fqdn'],
            properties: {
              fqdn: { type: 'string', format: 'hostname' },
              certificate: { type: 'object', properties: { uuid: UUID, name: NAME } }
            }
          }
        }
        const vol = at(inst, 'volumes.items')
        vol.oneOf = [{ required: ['uuid', 'at'] }, { required: ['name', 'at'] }]
        vol.anyOf = vol.oneOf
        delete vol.oneOf
      }
    }
  },
  {
    ops: ['GET /images/list'],
    what: "`tags` are references (`user/app:tag`, declared `^[a-zA-Z_0-9]+$`) and `args` a command line (declared without '/' or '.')",
    source:
      "the document's own `tagged` example `user/app:latest`; kraftcloud/go-sdk images/models.go (Tags []string, Args string)",
    apply: (ops) => {
      const img = at(
        op(ops, 'GET /images/list').response!,
        'properties.data.properties.images.items.properties'
      )
      at(img, 'tags.items').pattern = '^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_.-]{1,128}$'
      delete at(img, 'args').pattern
    }
  },
  {
    ops: ['GET /services/autoscale', 'GET /services/{uuid}/autoscale'],
    what: 'policies may be `on_demand` (declared `step` only)',
    source:
      'kraftcloud/go-sdk services/autoscale/policy_on_demand.go and models.go (GetResponseItem decodes both)',
    apply: (ops) => {
      for (const key of ['GET /services/autoscale', 'GET /services/{uuid}/autoscale'])
        at(
          op(ops, key).response!,
          'properties.data.properties.service_groups.items.properties.policies.items.properties.type'
        ).enum = ['step', 'on_demand']
    }
  },
  {
    ops: ['POST /instances'],
    what: 'the answer is `data.instances[]`, not a bare instance under `data`',
    source: 'ukc-api.md §6.5.3 (every SDK reads data.instances)',
    apply: (ops) => {
      // The same instance objects as a GET answers (corrected above).
      op(ops, 'POST /instances').response = envelope(
        'instances',
        structuredClone(
          at(op(ops, 'GET /instances').response!, 'properties.data.properties.instances.items')
        )
      )
    }
  },
  {
    ops: ['POST /services'],
    what: '`handlers` are strings (typed as objects); `domains` sit at the top level of the body (declared inside each service)',
    source: 'ukc-api.md §0.1 and §7.3; kraftcloud/go-sdk services/models.go CreateRequest',
    apply: (ops) => {
      const req = op(ops, 'POST /services').request!
      const props = req.properties as Record<string, Schema>
      props.services = { type: 'array', minItems: 1, maxItems: 253, items: SERVICE }
      props.domains = { type: 'array', maxItems: 253, items: DOMAIN }
      props.soft_limit = { type: 'integer', minimum: 1, maximum: 65535 }
      props.hard_limit = { type: 'integer', minimum: 1, maximum: 65535 }
    }
  },
  {
    ops: ['POST /services/autoscale'],
    what: 'one object naming the group and the instance to clone (`master`), with `policies` at the top level (declared inside `master`); `min_size` is bound by the account (declared 1..1); the answer lists `service_groups` (declared `certificates`)',
    source:
      'ukc-api.md §0.1 and §9.1; kraftcloud/go-sdk services/autoscale/models.go CreateRequest; the issue that fixed autoscale (master required)',
    apply: (ops) => {
      const o = op(ops, 'POST /services/autoscale')
      o.request = AUTOSCALE_CONFIG
      o.response = envelope('service_groups', {
        type: 'object',
        properties: { uuid: UUID, name: NAME, status: { type: 'string' } }
      })
    }
  },
  {
    ops: ['POST /services/{uuid}/autoscale/policies'],
    what: '`steps` is an array (declared one object); `on_demand` policies exist; the answer lists `policies` (declared `certificates`)',
    source:
      'ukc-api.md §9.2; kraftcloud/go-sdk services/autoscale/policy_step.go, policy_on_demand.go',
    apply: (ops) => {
      const o = op(ops, 'POST /services/{uuid}/autoscale/policies')
      o.request = POLICY
      o.response = envelope('policies', { type: 'object', properties: { name: NAME } })
    }
  },
  {
    ops: [
      'GET /services/{uuid}/autoscale/policies',
      'GET /services/{uuid}/autoscale/policies/{name}'
    ],
    what: 'each item wraps the policy: `{status, policy: {...}}`',
    source: 'ukc-api.md §9.2 (new docs; the old SDK also accepts it)',
    apply: (ops) => {
      for (const key of [
        'GET /services/{uuid}/autoscale/policies',
        'GET /services/{uuid}/autoscale/policies/{name}'
      ])
        op(ops, key).response = envelope('policies', {
          type: 'object',
          properties: { status: { type: 'string' }, policy: POLICY }
        })
    }
  },
  {
    ops: ['GET /images/list'],
    what: 'a lookup item is `{tag}` (what the SDK sends; the document says `tagged`, kept) or `{digest}` with a full reference; the `tagged` pattern admits neither `/` nor `:` although its example has both; `digest` in answers is the full reference',
    source: 'kraftcloud/go-sdk images/image_get.go; ukc-api.md §0.1 (OpenAPI image.digest example)',
    apply: (ops) => {
      const o = op(ops, 'GET /images/list')
      o.request = {
        type: 'array',
        items: {
          type: 'object',
          oneOf: [{ required: ['digest'] }, { required: ['tag'] }, { required: ['tagged'] }],
          properties: {
            digest: { type: 'string', maxLength: 255, pattern: PINNED_REF },
            tag: {
              type: 'string',
              maxLength: 255,
              pattern: '^[a-z0-9][a-z0-9._/-]*:[A-Za-z0-9_.-]{1,128}$'
            },
            tagged: { type: 'string', maxLength: 255 }
          }
        }
      }
      at(o.response!, 'properties.data.properties.images.items.properties.digest').pattern =
        PINNED_REF
    }
  },
  {
    ops: ['POST /volumes'],
    what: 'one object `{name?, size_mb}` (what the SDK sends) or an array of them (what the document types)',
    source: 'kraftcloud/go-sdk volumes/volume_create.go; ukc-api.md §0.1',
    apply: (ops) => {
      const o = op(ops, 'POST /volumes')
      o.request = { anyOf: [o.request!.items as Schema, o.request!] }
    }
  },
  {
    ops: ['PUT /volumes/attach', 'PUT /volumes/detach'],
    what: 'attach and detach exist in the classic API (the document omits them)',
    source: 'kraftcloud/go-sdk volumes/volume_attach.go, volume_detach.go; ukc-api.md §12.4',
    apply: (ops) => {
      ops['PUT /volumes/attach'] = {
        request: {
          type: 'array',
          items: {
            ...REF,
            required: ['attach_to', 'at'],
            properties: {
              ...REF.properties,
              attach_to: REF,
              at: { type: 'string', pattern: '^(/[ a-zA-Z0-9._-]*)*$' },
              readonly: { type: 'boolean' }
            }
          }
        },
        response: envelope('volumes', { type: 'object' })
      }
      ops['PUT /volumes/detach'] = {
        request: {
          type: 'array',
          items: { ...REF, properties: { ...REF.properties, from: REF } }
        },
        response: envelope('volumes', { type: 'object' })
      }
    }
  },
  {
    ops: ['GET /instances/metrics'],
    what: 'an item names its instance by `uuid` or by `name` (declared uuid-required, although name is described as the alternative)',
    source: 'ukc-api.md §6.11; every other global-scope endpoint',
    apply: (ops) => {
      const items = at(op(ops, 'GET /instances/metrics').request!, 'items')
      delete items.required
      items.oneOf = [{ required: ['uuid'] }, { required: ['name'] }]
    }
  },
  {
    ops: ['GET /users/quotas'],
    what: '`hard` lists its fields without `properties`',
    source: 'the document itself (user_quota_used has the same fields under properties)',
    apply: (ops) => {
      const hard = at(
        op(ops, 'GET /users/quotas').response!,
        'properties.data.properties.quotas.items.properties.hard'
      )
      const { type, ...fields } = hard
      for (const k of Object.keys(fields)) delete hard[k]
      Object.assign(hard, { type, properties: fields })
    }
  },
  {
    ops: ['GET /instances', 'GET /instances/{uuid}', 'POST /instances'],
    what: 'tightening: a classic instance answer carries no `features` member',
    source:
      'OpenAPI `instance` schema; kraftcloud/go-sdk instances/models.go GetResponseItem (ukc-api.md §0.1)',
    apply: (ops) => {
      for (const key of ['GET /instances', 'GET /instances/{uuid}', 'POST /instances'])
        at(op(ops, key).response!, 'properties.data.properties.instances.items').not = {
          required: ['features']
        }
    }
  }
]
