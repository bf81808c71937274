/** Certificates (ukc-api.md §8): uploaded TLS certificates and the ones the platform issues. */
import { CreatableCategory } from './category.js'
import type { ApiResult } from './envelope.js'
import type { Dialect } from './generation.js'
import type { Transport } from './transport.js'
import type { Certificate, UploadCertificateRequest } from './types.js'

export class CertificatesApi extends CreatableCategory<Certificate, UploadCertificateRequest> {
  constructor(t: Transport, dialect: Dialect) {
    super(t, dialect, 'certificates', 'certificates')
  }

  /** One certificate; the key travels in the body only, and the transport redacts it from debug output. */
  upload(cert: UploadCertificateRequest): Promise<ApiResult<Certificate>> {
    return this.create(cert)
  }
}
