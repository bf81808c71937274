/** The UKC API client: one transport, one object per API category. Knows nothing of GitHub. */
import { AutoscaleApi } from './autoscale.js'
import { CertificatesApi } from './certificates.js'
import { resolveBaseUrl } from './endpoint.js'
import { FieldError } from '../fields.js'
import { ImagesApi } from './images.js'
import { InstancesApi } from './instances.js'
import { ServicesApi } from './services.js'
import { Transport, type TransportOptions } from './transport.js'
import { UsersApi } from './users.js'
import { VolumesApi } from './volumes.js'

export interface ClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  metro?: string
  apiUrl?: string
}

export class UkcClient {
  readonly transport: Transport
  readonly instances: InstancesApi
  readonly services: ServicesApi
  readonly volumes: VolumesApi
  readonly certificates: CertificatesApi
  readonly autoscale: AutoscaleApi
  readonly images: ImagesApi
  readonly users: UsersApi

  constructor(opts: ClientOptions) {
    if (!opts.token)
      throw new FieldError(
        'no-token',
        'token',
        (w) => `no UKC API token was given; set ${w.name('token')}`
      )
    this.transport = new Transport({ ...opts, baseUrl: resolveBaseUrl(opts) })
    this.instances = new InstancesApi(this.transport)
    this.services = new ServicesApi(this.transport)
    this.volumes = new VolumesApi(this.transport)
    this.certificates = new CertificatesApi(this.transport)
    this.autoscale = new AutoscaleApi(this.transport)
    this.images = new ImagesApi(this.transport)
    this.users = new UsersApi(this.transport)
  }

  get baseUrl(): string {
    return this.transport.baseUrl
  }

  /** Frees the keep-alive sockets so the process can exit. */
  close(): void {
    this.transport.close()
  }
}
