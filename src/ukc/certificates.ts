/** Certificates (ukc-api.md §8): uploaded TLS certificates and the ones the platform issues. */
import type { ApiResult } from './envelope.js'
import { checkName } from './names.js'
import { checkRefs, emptyResult, localPath } from './scope.js'
import type { Transport } from './transport.js'
import type { Certificate, ObjectRef, UploadCertificateRequest } from './types.js'

const P = 'certificates'

export class CertificatesApi {
  constructor(private readonly t: Transport) {}

  /** The key travels in the body only; the transport redacts it from debug output. */
  upload(certs: readonly UploadCertificateRequest[]): Promise<ApiResult<Certificate>> {
    if (certs.length === 0) return Promise.resolve(emptyResult())
    const body = certs.map((c) => (c.name !== undefined ? { ...c, name: checkName(c.name) } : c))
    return this.t.call({ method: 'POST', path: '/certificates', body, plural: P })
  }

  get(refs?: readonly ObjectRef[]): Promise<ApiResult<Certificate>> {
    if (refs && refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'GET',
      path: '/certificates',
      body: refs ? checkRefs(refs) : undefined,
      plural: P
    })
  }

  getOne(uuid: string): Promise<ApiResult<Certificate>> {
    return this.t.call({ method: 'GET', path: localPath(P, uuid), plural: P })
  }

  /** Refused per certificate while a service group uses it. */
  delete(refs: readonly ObjectRef[]): Promise<ApiResult<Certificate>> {
    if (refs.length === 0) return Promise.resolve(emptyResult())
    return this.t.call({
      method: 'DELETE',
      path: '/certificates',
      body: checkRefs(refs),
      plural: P
    })
  }

  deleteOne(uuid: string): Promise<ApiResult<Certificate>> {
    return this.t.call({ method: 'DELETE', path: localPath(P, uuid), plural: P })
  }
}
