/** Certificates (ukc-api.md §8): uploaded TLS certificates and the ones the platform issues. */
import { ListCategory } from './category.js'
import type { ApiResult } from './envelope.js'
import type { Transport } from './transport.js'
import type { Certificate, UploadCertificateRequest } from './types.js'

export class CertificatesApi extends ListCategory<Certificate, UploadCertificateRequest> {
  constructor(t: Transport) {
    super(t, 'certificates', 'certificates')
  }

  /** The key travels in the body only; the transport redacts it from debug output. */
  upload(certs: readonly UploadCertificateRequest[]): Promise<ApiResult<Certificate>> {
    return this.create(certs)
  }
}
