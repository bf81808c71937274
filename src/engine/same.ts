/** Whether two lists of plain values are the same, in order (the API answers in the order given). */
export const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  JSON.stringify(a) === JSON.stringify(b)
