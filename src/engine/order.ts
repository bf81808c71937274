/**
 * The order in which object kinds are made, in one place: what a later kind refers to must
 * exist first (a domain names its certificate, an instance joins a group and mounts volumes,
 * autoscale clones a running instance of its group, or [N] a template). Deletion runs the other way round
 * (`delete` removes instances first, by name or UUID, then the rest in this order).
 */
import type { Kind } from './types.js'

/** How each kind is named in reports. */
export const KIND_LABEL: Record<Kind, string> = {
  certificate: 'certificate',
  service_group: 'service group',
  autoscale: 'autoscale',
  volume: 'volume',
  template: 'template',
  instance: 'instance'
}

export const CREATE_ORDER: readonly Kind[] = [
  'certificate',
  'service_group',
  'volume',
  // Before the instances: a template is made from a stopped copy, never from what serves;
  // and deleted after autoscale, which refers to it.
  'template',
  'instance',
  'autoscale'
]
export const DELETE_ORDER: readonly Kind[] = [...CREATE_ORDER].reverse()

/** Report rows in the order things are made. */
export function byCreateOrder<T extends { kind: Kind }>(rows: T[]): T[] {
  return [...rows].sort((a, b) => CREATE_ORDER.indexOf(a.kind) - CREATE_ORDER.indexOf(b.kind))
}
