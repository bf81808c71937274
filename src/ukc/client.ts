/** The UKC API client: one transport, one object per API category. Knows nothing of GitHub. */
import { AutoscaleApi } from './autoscale.js'
import { CertificatesApi } from './certificates.js'
import { resolveBaseUrl } from './endpoint.js'
import { FieldError } from '../fields.js'
import {
  dialectOf,
  pickGeneration,
  type ApiGeneration,
  type ApiGenerationChoice,
  type Dialect
} from './generation.js'
import { ImagesApi } from './images.js'
import { InstancesApi } from './instances.js'
import { ServicesApi } from './services.js'
import { TemplatesApi } from './templates.js'
import { Transport, type TransportOptions } from './transport.js'
import { UsersApi } from './users.js'
import { VolumesApi } from './volumes.js'

/** How long cleanup may run past the run's deadline (see cleanupWindow). */
export const CLEANUP_WINDOW_MS = 15000

export interface ClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  metro?: string
  apiUrl?: string
  /** `auto` (default): from the host, see pickGeneration. */
  generation?: ApiGenerationChoice
}

export class UkcClient {
  readonly transport: Transport
  readonly instances: InstancesApi
  readonly services: ServicesApi
  readonly volumes: VolumesApi
  readonly certificates: CertificatesApi
  readonly autoscale: AutoscaleApi
  /** [N] Instance templates (what autoscale clones on the new platform). */
  readonly templates: TemplatesApi
  readonly images: ImagesApi
  readonly users: UsersApi
  /** The shapes this client sends: the API generation it speaks. */
  readonly dialect: Dialect

  constructor(opts: ClientOptions) {
    if (!opts.token)
      throw new FieldError(
        'no-token',
        'token',
        (w) => `no UKC API token was given; set ${w.name('token')}`
      )
    this.transport = new Transport({ ...opts, baseUrl: resolveBaseUrl(opts) })
    this.dialect = dialectOf(pickGeneration(opts.generation, this.transport.baseUrl))
    this.instances = new InstancesApi(this.transport, this.dialect)
    this.services = new ServicesApi(this.transport, this.dialect)
    this.volumes = new VolumesApi(this.transport, this.dialect)
    this.certificates = new CertificatesApi(this.transport, this.dialect)
    this.autoscale = new AutoscaleApi(this.transport, this.dialect)
    this.templates = new TemplatesApi(this.transport, this.dialect)
    this.images = new ImagesApi(this.transport, this.dialect)
    this.users = new UsersApi(this.transport)
  }

  get generation(): ApiGeneration {
    return this.dialect.generation
  }

  /**
   * Cleaning up after a failure gets a short, bounded window past the run's deadline:
   * leaving an orphaned instance is worse than overrunning by seconds. Returns the deadline
   * the cleanup itself should keep.
   */
  cleanupWindow(ms = CLEANUP_WINDOW_MS): number {
    const until = Math.max(this.transport.deadline ?? 0, Date.now() + ms)
    if (this.transport.deadline !== undefined) this.transport.deadline = until
    return until
  }

  get baseUrl(): string {
    return this.transport.baseUrl
  }

  /** Frees the keep-alive sockets so the process can exit. */
  close(): void {
    this.transport.close()
  }
}
